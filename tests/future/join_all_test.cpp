// SPDX-License-Identifier: MIT
#include "af/future/join_all.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "future/leaf.hpp"
#include "af/test/wake_counter.hpp"

namespace future_join_all_test {

namespace {

using af_test::leaf;
using af_test::leaf_state;

std::shared_ptr<leaf_state> make_state() { return std::make_shared<leaf_state>(); }

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

}  // namespace

TEST(join_all, gives_outputs_in_input_order_not_completion_order) {
    std::vector<std::shared_ptr<leaf_state>> st;
    std::vector<leaf> fs;
    for (int i = 0; i < 4; ++i) {
        st.push_back(make_state());
        fs.emplace_back(st.back());
    }
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join_all(std::move(fs));
    EXPECT_TRUE(j.poll(cx).is_pending());
    for (int i = 3; i >= 0; --i) {
        st[static_cast<std::size_t>(i)]->complete(i * 10);
        auto p = j.poll(cx);
        if (i > 0) {
            EXPECT_TRUE(p.is_pending());
            EXPECT_EQ(st[static_cast<std::size_t>(i)]->drops, 1) << "a finished future is destroyed at once";
        } else {
            ASSERT_TRUE(p.is_ready());
            EXPECT_EQ(*p, (std::vector<int>{0, 10, 20, 30}));
        }
    }
}

TEST(join_all, of_an_empty_vector_is_ready_at_once) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join_all(std::vector<leaf>{});
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_TRUE(p->empty());
}

TEST(join_all, void_outputs_become_monostate) {
    std::vector<af::yield_now_future> fs(3);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join_all(std::move(fs));
    EXPECT_TRUE(j.poll(cx).is_pending());
    auto p = j.poll(cx);
    ASSERT_TRUE(p.is_ready());
    static_assert(std::is_same_v<af::output_of<decltype(j)>, std::vector<std::monostate>>);
    EXPECT_EQ(p->size(), 3u);
}

TEST(join_all, re_polls_only_the_woken_futures) {
    constexpr std::size_t n = 1000;
    std::vector<std::shared_ptr<leaf_state>> st;
    std::vector<leaf> fs;
    for (std::size_t i = 0; i < n; ++i) {
        st.push_back(make_state());
        fs.emplace_back(st.back());
    }
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join_all(std::move(fs));
    EXPECT_TRUE(j.poll(cx).is_pending());
    st[5]->wake();
    st[500]->wake();
    st[999]->wake();
    EXPECT_TRUE(j.poll(cx).is_pending());
    int total = 0;
    for (auto& s : st) total += s->polls;
    EXPECT_EQ(total, static_cast<int>(n) + 3);
    EXPECT_EQ(st[500]->polls, 2);
}

TEST(join_all, waits_for_all_then_rethrows_the_first_exception) {
    auto a = make_state(), b = make_state();
    std::vector<leaf> fs;
    fs.emplace_back(a);
    fs.emplace_back(b);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join_all(std::move(fs));
    EXPECT_TRUE(j.poll(cx).is_pending());
    b->throw_next();
    EXPECT_TRUE(j.poll(cx).is_pending());
    EXPECT_EQ(a->drops, 0);
    a->complete(1);
    EXPECT_THROW((void)j.poll(cx), std::runtime_error);
    EXPECT_EQ(a->drops + b->drops, 2);
}

TEST(join_all, destroying_it_cancels_the_running_futures) {
    auto a = make_state(), b = make_state();
    af::test::wake_counter wc;
    {
        std::vector<leaf> fs;
        fs.emplace_back(a);
        fs.emplace_back(b);
        af::context cx(wc.waker());
        auto j = af::join_all(std::move(fs));
        EXPECT_TRUE(j.poll(cx).is_pending());
    }
    EXPECT_EQ(a->drops, 1);
    EXPECT_EQ(b->drops, 1);
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(join_all, futures_woken_from_other_threads_complete_it) {
    constexpr std::size_t n = 64;
    std::vector<std::shared_ptr<leaf_state>> st;
    std::vector<leaf> fs;
    for (std::size_t i = 0; i < n; ++i) {
        st.push_back(make_state());
        fs.emplace_back(st.back());
    }
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join_all(std::move(fs));
    EXPECT_TRUE(j.poll(cx).is_pending());
    std::thread t1([&] {
        for (std::size_t i = 0; i < n; i += 2) st[i]->complete(static_cast<int>(i));
    });
    std::thread t2([&] {
        for (std::size_t i = 1; i < n; i += 2) st[i]->complete(static_cast<int>(i));
    });
    std::vector<int> out;
    for (;;) {
        std::size_t seen = wc.count();
        auto p = j.poll(cx);
        if (p.is_ready()) {
            out = std::move(*p);
            break;
        }
        while (wc.count() == seen) std::this_thread::yield();
    }
    t1.join();
    t2.join();
    ASSERT_EQ(out.size(), n);
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(out[i], static_cast<int>(i));
}

TEST(join_all, works_under_co_await_in_a_task) {
    auto t = []() -> af::task<int> {
        std::vector<af::task<int>> fs;
        for (int i = 0; i < 10; ++i) fs.push_back(add_later(i, 1));
        std::vector<int> all = co_await af::join_all(std::move(fs));
        int sum = 0;
        for (int v : all) sum += v;
        co_return sum;
    };
    EXPECT_EQ(af::block_on(t()), 55);
}

#ifndef NDEBUG
TEST(join_all_death, polling_after_ready_asserts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto j = af::join_all(std::vector<af::ready_future<int>>{});
    EXPECT_TRUE(j.poll(cx).is_ready());
    EXPECT_DEATH((void)j.poll(cx), "polled after it completed");
}
#endif

}  // namespace future_join_all_test

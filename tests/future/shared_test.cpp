// SPDX-License-Identifier: MIT
// af::shared: every copy gets the output, exceptions are shared, dropped copies leave no slot,
// and copies polled from several threads.
#include "af/future/shared.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/ready.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace future_shared_test {

namespace {

static_assert(af::future<af::shared_future<af::ready_future<int>>>);
static_assert(std::is_copy_constructible_v<af::shared_future<af::ready_future<int>>>);

TEST(shared, copies_the_output_to_every_copy_and_wakes_the_waiting_ones) {
    af::test::manual_future<std::string> m;
    auto a = af::shared(m.get());
    auto b = a;
    auto c = a;  // never polled before completion
    af::test::wake_counter wa, wb;
    af::context ca(wa.waker()), cb(wb.waker());
    EXPECT_TRUE(a.poll(ca).is_pending());
    EXPECT_TRUE(b.poll(cb).is_pending());
    EXPECT_EQ(m.polls(), 2);  // whoever polls drives the inner future
    m.set("hello");
    EXPECT_EQ(wa.count(), 1u);
    EXPECT_EQ(wb.count(), 1u);
    EXPECT_EQ(a.poll(ca).value(), "hello");
    EXPECT_EQ(b.poll(cb).value(), "hello");
    af::test::wake_counter wc;
    af::context cc(wc.waker());
    EXPECT_EQ(c.poll(cc).value(), "hello");
    EXPECT_EQ(m.polls(), 3);  // b and c read the stored output without polling again
    EXPECT_FALSE(m.future_alive());
    EXPECT_EQ(wa.clones_alive() + wb.clones_alive() + wc.clones_alive(), 0u);
}

TEST(shared, a_copy_made_after_completion_reads_the_stored_output) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto a = af::shared(af::ready(std::vector<int>{1, 2, 3}));
    auto b = a;
    EXPECT_EQ(a.poll(cx).value().size(), 3u);
    auto late = b;
    EXPECT_EQ(late.poll(cx).value(), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(b.poll(cx).value(), (std::vector<int>{1, 2, 3}));
}

TEST(shared, every_copy_rethrows_the_same_exception) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    int polls = 0;
    auto a = af::shared(af::poll_fn([&](af::context&) -> af::poll<int> {
        ++polls;
        throw std::runtime_error("shared boom");
    }));
    auto b = a;
    auto c = a;
    const void* first = nullptr;
    for (auto* f : {&a, &b, &c}) {
        try {
            (void)f->poll(cx);
            ADD_FAILURE() << "expected an exception";
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "shared boom");
            if (!first) first = &e;
            EXPECT_EQ(&e, first);  // the same exception object, not a copy
        }
    }
    EXPECT_EQ(polls, 1);
}

TEST(shared, dropping_a_pending_copy_removes_its_waker) {
    af::test::manual_future<int> m;
    auto a = af::shared(m.get());
    auto b = a;
    af::test::wake_counter wa, wb;
    af::context ca(wa.waker()), cb(wb.waker());
    EXPECT_TRUE(a.poll(ca).is_pending());
    EXPECT_TRUE(b.poll(cb).is_pending());
    EXPECT_EQ(wa.clones_alive(), 1u);
    { auto gone = std::move(a); }
    EXPECT_EQ(wa.clones_alive(), 0u);
    m.set(3);
    EXPECT_EQ(wa.count(), 0u);
    EXPECT_EQ(wb.count(), 1u);
    EXPECT_EQ(b.poll(cb).value(), 3);
}

TEST(shared, dropping_the_last_copy_cancels_the_inner_future) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    {
        auto a = af::shared(m.get());
        auto b = a;
        EXPECT_TRUE(a.poll(cx).is_pending());
        EXPECT_TRUE(m.future_alive());
    }
    EXPECT_FALSE(m.future_alive());
    EXPECT_EQ(wc.clones_alive(), 0u);
}

TEST(shared, a_woken_copy_that_is_dropped_hands_the_wake_to_a_waiting_copy) {
    // Arrange: while copy a drives the inner future, the inner future wakes a (so a owes a
    // poll) and only then does copy b register as a waiter. If a is dropped without polling,
    // nobody else would ever be woken: the drop must pass the wake on to b.
    std::optional<af::shared_future<af::poll_fn_future<std::function<af::poll<int>(af::context&)>>>> b;
    af::test::wake_counter wb;
    int polls = 0;
    std::function<af::poll<int>(af::context&)> body = [&](af::context& cx) -> af::poll<int> {
        if (++polls == 1) {
            cx.waker().wake_by_ref();
            af::context bcx(wb.waker());
            EXPECT_TRUE(b->poll(bcx).is_pending());  // a is polling: b only registers
            return af::pending;
        }
        return 8;
    };
    auto a = std::make_optional(af::shared(af::poll_fn(std::move(body))));
    b.emplace(*a);
    af::test::wake_counter wa;
    af::context ca(wa.waker());
    EXPECT_TRUE(a->poll(ca).is_pending());
    EXPECT_EQ(wa.count(), 1u);
    EXPECT_EQ(wb.count(), 0u);
    a.reset();
    EXPECT_EQ(wb.count(), 1u);
    af::context cb(wb.waker());
    EXPECT_EQ(b->poll(cb).value(), 8);
}

TEST(shared, copies_polled_from_three_threads_all_get_the_output) {
    for (int round = 0; round < 20; ++round) {
        af::test::manual_future<std::vector<int>> m;
        auto a = af::shared(m.get());
        std::vector<std::vector<int>> got(3);
        std::vector<std::thread> ts;
        for (int i = 0; i < 3; ++i) {
            ts.emplace_back([copy = a, &got, i]() mutable { got[static_cast<std::size_t>(i)] = af::block_on(std::move(copy)); });
        }
        if (round % 2 == 0) std::this_thread::yield();
        m.set(std::vector<int>{round, 1, 2});
        for (auto& t : ts) t.join();
        for (auto& g : got) EXPECT_EQ(g, (std::vector<int>{round, 1, 2}));
        EXPECT_FALSE(m.future_alive());
    }
}

TEST(shared, copies_polled_from_three_threads_share_a_task_that_suspends) {
    for (int round = 0; round < 20; ++round) {
        af::test::manual_future<int> m;
        auto a = af::shared([](af::test::manual_future<int>::future in) -> af::task<int> {
            co_return co_await std::move(in) * 2;
        }(m.get()));
        std::vector<int> got(3);
        std::vector<std::thread> ts;
        for (int i = 0; i < 3; ++i) {
            ts.emplace_back([copy = a, &got, i]() mutable { got[static_cast<std::size_t>(i)] = af::block_on(copy); });
        }
        std::thread setter([&m] { m.set(21); });
        for (auto& t : ts) t.join();
        setter.join();
        for (int g : got) EXPECT_EQ(g, 42);
    }
}

}  // namespace

}  // namespace future_shared_test

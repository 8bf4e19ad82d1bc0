// SPDX-License-Identifier: MIT
#include "af/rt/task_local.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/local_pool.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace rt_task_local_test {

namespace {

af::rt::task_local<int> request_id;
af::rt::task_local<std::string> user;

af::task<std::vector<int>> read_across_awaits(int n) {
    std::vector<int> seen;
    for (int i = 0; i < n; ++i) {
        seen.push_back(request_id.get());
        co_await af::yield_now();
    }
    seen.push_back(request_id.get());
    co_return seen;
}

// A coroutine function, not an immediately-invoked lambda: the lambda object (and what it
// captures) would be gone before the task first runs.
af::task<std::size_t> check_own_value(int k, int steps) {
    std::set<std::thread::id> threads;
    for (int i = 0; i < steps; ++i) {
        if (request_id.get() != k) throw std::runtime_error("saw another task's value");
        threads.insert(std::this_thread::get_id());
        co_await af::yield_now();
    }
    co_return threads.size();
}

}  // namespace

TEST(task_local, get_outside_a_scope_throws_and_try_get_is_null) {
    EXPECT_EQ(request_id.try_get(), nullptr);
    try {
        (void)request_id.get();
        FAIL() << "expected std::logic_error";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(), "task_local value accessed outside its scope");
    }
}

TEST(task_local, value_is_visible_across_awaits) {
    auto seen = af::block_on(request_id.scope(7, read_across_awaits(3)));
    EXPECT_EQ(seen, (std::vector<int>{7, 7, 7, 7}));
    EXPECT_EQ(request_id.try_get(), nullptr);
}

TEST(task_local, value_is_installed_only_while_the_scope_is_polled) {
    af::test::manual_future<int> m;
    int seen_inside = 0;
    auto inner = [&, f = m.get()](af::context& cx) mutable -> af::poll<int> {
        seen_inside = request_id.get();
        return f.poll(cx);
    };
    auto scoped = request_id.scope(3, af::poll_fn(std::move(inner)));
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(scoped.poll(cx).is_pending());
    EXPECT_EQ(seen_inside, 3);
    EXPECT_EQ(request_id.try_get(), nullptr);  // restored between polls
    m.set(10);
    auto p = scoped.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), 10);
    EXPECT_EQ(request_id.try_get(), nullptr);
}

TEST(task_local, another_task_polled_in_between_does_not_see_it) {
    af::executor::local_pool exec;
    std::vector<std::string> log;
    // Named lambdas: they must outlive the tasks that run their bodies.
    auto scoped_body = [&](char name) -> af::task<void> {
        for (int i = 0; i < 3; ++i) {
            log.push_back(name + std::to_string(request_id.get()));
            co_await af::yield_now();
        }
    };
    auto plain_body = [&]() -> af::task<void> {
        for (int i = 0; i < 3; ++i) {
            int* p = request_id.try_get();
            log.push_back(p ? "b" + std::to_string(*p) : std::string("b-"));
            co_await af::yield_now();
        }
    };
    auto a = exec.spawn(request_id.scope(1, scoped_body('a')));
    auto b = exec.spawn(plain_body());
    auto c = exec.spawn(request_id.scope(2, scoped_body('c')));
    exec.run();
    EXPECT_EQ(log, (std::vector<std::string>{"a1", "b-", "c2", "a1", "b-", "c2", "a1", "b-", "c2"}));
}

TEST(task_local, nested_scopes_shadow_and_restore) {
    auto outer = [&]() -> af::task<std::vector<int>> {
        std::vector<int> seen;
        seen.push_back(request_id.get());
        auto inner = [&]() -> af::task<int> {
            co_await af::yield_now();
            co_return request_id.get();
        };
        seen.push_back(co_await request_id.scope(2, inner()));
        seen.push_back(request_id.get());  // the inner scope finished: outer value again
        co_await af::yield_now();
        seen.push_back(request_id.get());
        co_return seen;
    };
    EXPECT_EQ(af::block_on(request_id.scope(1, outer())), (std::vector<int>{1, 2, 1, 1}));
}

TEST(task_local, different_keys_are_independent) {
    auto body = []() -> af::task<std::string> {
        co_await af::yield_now();
        std::string r = user.get() + ":" + std::to_string(request_id.get());
        auto append = [&]() -> af::task<void> {
            r += "," + user.get() + ":" + std::to_string(request_id.get());
            co_return;
        };
        co_await user.scope("bob", append());
        co_return r;
    };
    auto f = request_id.scope(5, user.scope("alice", body()));
    EXPECT_EQ(af::block_on(std::move(f)), "alice:5,bob:5");
}

TEST(task_local, follows_a_task_that_migrates_between_threads) {
    af::executor::thread_pool exec(3);
    constexpr int tasks = 8, steps = 50;
    std::vector<af::join_handle<std::size_t>> hs;
    for (int k = 0; k < tasks; ++k) {
        hs.push_back(exec.spawn(request_id.scope(k, check_own_value(k, steps))));
    }
    for (auto& h : hs) EXPECT_GE(af::block_on(std::move(h)), 1u);
}

TEST(task_local, an_exception_restores_the_previous_value) {
    auto thrower = []() -> af::task<int> {
        co_await af::yield_now();
        throw std::runtime_error("boom");
    };
    auto body = [&]() -> af::task<int> {
        int caught = 0;
        try {
            (void)co_await request_id.scope(2, thrower());
        } catch (const std::runtime_error&) {
            caught = request_id.get();
        }
        co_return caught;
    };
    EXPECT_EQ(af::block_on(request_id.scope(1, body())), 1);

    // A poll that throws directly, stepped by hand.
    auto direct = request_id.scope(9, af::poll_fn([](af::context&) -> af::poll<int> { throw std::runtime_error("x"); }));
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_THROW((void)direct.poll(cx), std::runtime_error);
    EXPECT_EQ(request_id.try_get(), nullptr);
}

TEST(task_local, a_cancelled_inner_future_is_destroyed_inside_the_scope) {
    struct reports_on_drop {
        int* out;
        ~reports_on_drop() {
            int* v = request_id.try_get();
            *out = v ? *v : -1;
        }
    };
    int seen_at_drop = 0;
    {
        auto inner = [](reports_on_drop) -> af::task<void> { co_await af::yield_now(); };
        auto scoped = request_id.scope(4, inner(reports_on_drop{&seen_at_drop}));
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(scoped.poll(cx).is_pending());
        seen_at_drop = 0;  // temporaries of the call above already reported
    }
    EXPECT_EQ(seen_at_drop, 4);
    EXPECT_EQ(request_id.try_get(), nullptr);
}

TEST(task_local, with_and_sync_scope) {
    int doubled = request_id.sync_scope(21, [] { return request_id.with([](int& v) { return v * 2; }); });
    EXPECT_EQ(doubled, 42);
    EXPECT_EQ(request_id.try_get(), nullptr);
    EXPECT_THROW((void)request_id.with([](int& v) { return v; }), std::logic_error);
}

}  // namespace rt_task_local_test

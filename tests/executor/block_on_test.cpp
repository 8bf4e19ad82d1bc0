// SPDX-License-Identifier: MIT
#include "af/executor/block_on.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "af/core/task.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/ready.hpp"
#include "af/test/manual_future.hpp"

namespace executor_block_on_test {

namespace {

TEST(block_on, returns_the_output_of_a_ready_future) { EXPECT_EQ(af::block_on(af::ready(3)), 3); }

TEST(block_on, sleeps_until_another_thread_wakes_the_future) {
    af::test::manual_future<int> m;
    std::thread setter([&] {
        while (!m.has_waiter()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        m.set(11);
    });
    EXPECT_EQ(af::block_on(m.get()), 11);
    setter.join();
    EXPECT_LE(m.polls(), 3);  // parked, not spinning
}

TEST(block_on, rethrows_the_exception_of_the_future) {
    auto t = []() -> af::task<int> { throw std::out_of_range("nope"); };
    EXPECT_THROW(af::block_on(t()), std::out_of_range);
}

TEST(block_on, polls_an_lvalue_future_in_place) {
    af::test::manual_future<int> m;
    auto f = m.get();
    m.set(2);
    EXPECT_EQ(af::block_on(f), 2);
}

TEST(block_on, nested_block_on_does_not_swallow_the_outer_wake) {
    af::test::manual_future<int> outer_m;
    af::test::manual_future<int> inner_m;
    auto outer_f = outer_m.get();
    std::thread helper;
    bool inner_done = false;
    // First poll: register with outer_m, then run a nested block_on during which the helper
    // thread wakes the outer waker (same thread parker) before completing the inner future.
    auto outer = af::poll_fn([&](af::context& cx) -> af::poll<int> {
        auto p = outer_f.poll(cx);
        if (p.is_ready()) return p;
        if (!inner_done) {
            helper = std::thread([&] {
                outer_m.set(1);
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
                inner_m.set(2);
            });
            EXPECT_EQ(af::block_on(inner_m.get()), 2);
            inner_done = true;
        }
        return af::pending;
    });
    EXPECT_EQ(af::block_on(std::move(outer)), 1);  // hangs if the outer wake was swallowed
    helper.join();
}

}  // namespace

}  // namespace executor_block_on_test

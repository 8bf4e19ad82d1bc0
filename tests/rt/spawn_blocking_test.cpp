// SPDX-License-Identifier: MIT
#include "af/rt/spawn_blocking.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/local_pool.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/detail/context.hpp"

namespace rt_spawn_blocking_test {

namespace {

using namespace std::chrono_literals;
using af::rt::detail::blocking_pool;
using af::rt::detail::context_scope;
using af::rt::detail::runtime_context;

// Until the runtime exists: a pool plus the context a runtime thread would have.
struct fake_runtime {
    blocking_pool pool{2, 50ms, {}, {}};
    context_scope scope{runtime_context{nullptr, nullptr, &pool}};
};

}  // namespace

TEST(spawn_blocking, throws_outside_a_runtime) {
    ASSERT_EQ(af::rt::detail::current().blocking, nullptr);
    try {
        (void)af::rt::spawn_blocking([] { return 1; });
        FAIL() << "expected std::logic_error";
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("af::rt::spawn_blocking called outside an af runtime"),
                  std::string::npos);
    }
}

TEST(spawn_blocking, runs_on_a_pool_thread_and_returns_the_result) {
    fake_runtime rt;
    auto caller = std::this_thread::get_id();
    auto job = [] { return std::this_thread::get_id(); };
    std::thread::id ran_on = af::block_on(af::rt::spawn_blocking(job));
    EXPECT_NE(ran_on, caller);
    EXPECT_EQ(rt.pool.threads(), 1u);
}

TEST(spawn_blocking, a_task_awaits_the_job_without_blocking_its_executor) {
    fake_runtime rt;
    af::executor::local_pool exec;
    std::atomic<bool> released{false};
    std::atomic<int> ticks{0};
    // The job waits for a flag that only another task of the same (single) thread sets: were
    // the first task blocking the thread, the second could never run.
    auto waiter = exec.spawn([&]() -> af::task<int> {
        int v = co_await af::rt::spawn_blocking([&] {
            while (!released.load()) std::this_thread::sleep_for(1ms);
            return 11;
        });
        co_return v;
    });
    auto ticker = exec.spawn([&]() -> af::task<void> {
        for (int i = 0; i < 5; ++i) {
            ticks.fetch_add(1);
            co_await af::yield_now();
        }
        released = true;
    });
    EXPECT_EQ(exec.run_until(std::move(waiter)), 11);
    EXPECT_EQ(ticks.load(), 5);
}

TEST(spawn_blocking, a_job_runs_inside_the_runtime_context) {
    fake_runtime rt;
    // From inside a job, spawn_blocking reaches the same pool (the pool installs the context).
    auto outer = af::rt::spawn_blocking([] {
        return af::rt::detail::current().blocking;
    });
    EXPECT_EQ(af::block_on(std::move(outer)), &rt.pool);
    auto nested = af::rt::spawn_blocking([] { return af::rt::spawn_blocking([] { return std::string("deep"); }); });
    af::join_handle<std::string> inner = af::block_on(std::move(nested));
    EXPECT_EQ(af::block_on(std::move(inner)), "deep");
}

TEST(spawn_blocking, move_only_functions_and_results) {
    fake_runtime rt;
    auto p = std::make_unique<int>(4);
    auto h = af::rt::spawn_blocking([p = std::move(p)]() mutable { return std::move(p); });
    std::unique_ptr<int> back = af::block_on(std::move(h));
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(*back, 4);
}

}  // namespace rt_spawn_blocking_test

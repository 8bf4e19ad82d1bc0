// SPDX-License-Identifier: MIT
#include "af/rt/std_future.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <future>
#include <stdexcept>
#include <thread>

#include "af/core/task.hpp"
#include "af/executor/spawn_with_callback.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/never.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"

namespace rt_std_future_test {

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

TEST(RtFromStdFuture, WaitsOnTheBlockingPoolNotOnAWorker) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(1).build();
    std::promise<int> p;
    std::future<int> f = p.get_future();
    auto r = rt.block_on([&]() -> af::task<int> {
        auto waiter = af::rt::spawn([f = std::move(f)]() mutable -> af::task<int> {
            co_return co_await af::rt::from_std_future(std::move(f));
        });
        // The only worker is free while the std::future is pending: this task runs.
        int other = co_await af::rt::spawn(add_later(1, 2));
        p.set_value(40 + other - 1);
        co_return co_await std::move(waiter);
    });
    EXPECT_EQ(r, 42);
}

TEST(RtFromStdFuture, ReadyValueAndExceptionNeedNoThread) {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    std::promise<void> p;
    p.set_exception(std::make_exception_ptr(std::runtime_error("legacy failed")));
    auto f = p.get_future();
    EXPECT_THROW(rt.block_on(af::rt::from_std_future(std::move(f))), std::runtime_error);
    std::promise<int> q;
    q.set_value(5);
    EXPECT_EQ(rt.block_on(af::rt::from_std_future(q.get_future())), 5);
}

TEST(RtIntoStdFuture, DeliversValueExceptionAndCancellation) {
    af::executor::thread_pool pool(1);
    std::future<int> ok = af::rt::into_std_future(pool.spawner(), add_later(3, 4));
    EXPECT_EQ(ok.get(), 7);
    std::future<void> bad = af::rt::into_std_future(pool.spawner(), []() -> af::task<void> {
        co_await af::yield_now();
        throw std::logic_error("x");
    });
    EXPECT_THROW(bad.get(), std::logic_error);
    std::future<int> never;
    {
        af::executor::thread_pool short_lived(1);
        never = af::rt::into_std_future(short_lived.spawner(), []() -> af::task<int> {
            co_await af::never();
            co_return 0;
        });
    }  // the pool shuts down: the task is cancelled
    try {
        never.get();
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), af::errc::cancelled);
    }
}

struct c_result {
    std::promise<int> p;
};
void on_done(void* user, int result) { static_cast<c_result*>(user)->p.set_value(result); }

TEST(SpawnWithCallback, CShapeGetsTheOutputOrANegativeErrno) {
    af::executor::thread_pool pool(1);
    c_result ok;
    af::spawn_with_c_callback(pool.spawner(), add_later(10, 5), &on_done, &ok);
    EXPECT_EQ(ok.p.get_future().get(), 15);
    c_result refused;
    af::spawn_with_c_callback(pool.spawner(), []() -> af::task<int> {
        throw std::system_error(std::make_error_code(std::errc::connection_refused));
        co_return 0;
    }, &on_done, &refused);
    EXPECT_EQ(refused.p.get_future().get(), -ECONNREFUSED);
    c_result aborted;
    auto h = af::spawn_with_c_callback(pool.spawner(), []() -> af::task<int> {
        co_await af::never();
        co_return 0;
    }, &on_done, &aborted);
    h.abort();
    EXPECT_EQ(aborted.p.get_future().get(), -ECANCELED);
}

TEST(SpawnWithCallback, StdFunctionShapeRunsOnTheExecutorThread) {
    af::executor::thread_pool pool(1);
    std::promise<std::thread::id> where;
    std::promise<int> value;
    af::spawn_with_callback(pool.spawner(), add_later(1, 1), [&](std::exception_ptr e, int v) {
        where.set_value(std::this_thread::get_id());
        if (e) value.set_exception(e); else value.set_value(v);
    });
    EXPECT_EQ(value.get_future().get(), 2);
    EXPECT_NE(where.get_future().get(), std::this_thread::get_id());
}

}  // namespace rt_std_future_test

// SPDX-License-Identifier: MIT
#include "af/asio/executor_spawner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "af/asio/use_future.hpp"
#include "af/channel/oneshot.hpp"
#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/spawner.hpp"
#include "af/future/never.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/runtime.hpp"
#include "af/test/drop_counter.hpp"
#include "af/time/sleep.hpp"

namespace asio_executor_spawner_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

static_assert(af::spawner<af::asio::executor_spawner>);

TEST(AsioExecutorSpawner, TasksAndHandlersShareTheThreadThatRunsTheIoContext) {
    asio::io_context ioc;
    af::asio::executor_spawner sp(ioc.get_executor());
    std::thread::id task_thread, handler_thread;
    auto h = sp.spawn([&]() -> af::task<int> {
        asio::steady_timer t(ioc, 1ms);
        co_await t.async_wait(af::asio::use_future);
        task_thread = std::this_thread::get_id();
        co_await af::yield_now();  // a wake posts one more poll
        co_return 7;
    });
    asio::post(ioc, [&] { handler_thread = std::this_thread::get_id(); });
    ioc.run();  // returns once the task finished: nothing else is outstanding
    EXPECT_TRUE(h.is_finished());
    EXPECT_EQ(af::block_on(std::move(h)), 7);
    EXPECT_EQ(task_thread, std::this_thread::get_id());
    EXPECT_EQ(handler_thread, std::this_thread::get_id());
}

TEST(AsioExecutorSpawner, RunStaysAliveWhileATaskWaitsOutsideAsio) {
    asio::io_context ioc;
    af::asio::executor_spawner sp(ioc.get_executor());
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    std::atomic<bool> waiting{false};
    auto h = sp.spawn([&, rx = std::move(rx)]() mutable -> af::task<int> {
        waiting.store(true);
        co_return co_await std::move(rx);
    });
    std::thread sender([&, tx = std::move(tx)]() mutable {
        while (!waiting.load()) std::this_thread::yield();
        (void)tx.send(5);  // wakes the task from this thread: posts its poll
    });
    ioc.run();  // would return at once without the task's outstanding work
    sender.join();
    EXPECT_EQ(af::block_on(std::move(h)), 5);
}

TEST(AsioExecutorSpawner, WorksThroughAnyspawnerAndAStrand) {
    asio::io_context ioc;
    af::any_spawner any = af::asio::executor_spawner(asio::make_strand(ioc));
    auto h = any.spawn([]() -> af::task<int> { co_return 3; });
    ioc.run();
    EXPECT_EQ(af::block_on(std::move(h)), 3);
}

TEST(AsioExecutorSpawner, DestroyingTheIoContextCancelsPendingTasks) {
    af::test::drop_counter drops;
    auto ioc = std::make_unique<asio::io_context>();
    af::asio::executor_spawner sp(ioc->get_executor());
    auto waits = sp.spawn([](af::test::drop_counter::guard) -> af::task<int> {
        co_await af::never();
        co_return 1;
    }(drops.make()));
    auto timer = std::make_shared<asio::steady_timer>(*ioc, std::chrono::hours(1));
    auto on_timer = sp.spawn([](std::shared_ptr<asio::steady_timer> t) -> af::task<void> {
        co_await t->async_wait(af::asio::use_future);
    }(timer));
    ioc->poll();  // both tasks start and wait
    EXPECT_FALSE(waits.is_finished());
    timer.reset();
    ioc.reset();  // shuts down: the tasks' futures are destroyed here
    EXPECT_EQ(drops.count(), 1);
    EXPECT_THROW(af::block_on(std::move(waits)), af::cancelled_error);
    EXPECT_THROW(af::block_on(std::move(on_timer)), af::cancelled_error);
    // The spawner outlives its context: a spawn is cancelled at once.
    auto late = sp.spawn([]() -> af::task<int> { co_return 1; });
    EXPECT_TRUE(late.is_finished());
    EXPECT_THROW(af::block_on(std::move(late)), af::cancelled_error);
}

TEST(AsioExecutorSpawner, AfTimersWorkInTasksWhenARuntimeIsGiven) {
    // The runtime's worker drives its timers; the task itself runs on the io_context's thread.
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(1).enable_time().build();
    asio::io_context ioc;
    af::asio::executor_spawner sp(ioc.get_executor(), rt.handle());
    auto h = sp.spawn([]() -> af::task<int> {
        co_await af::time::sleep(2ms);  // binds to rt: the poll runs inside rt.handle().enter()
        co_return 9;
    });
    ioc.run();
    EXPECT_EQ(af::block_on(std::move(h)), 9);
}

// Tasks woken from both threads of an io_context (yield_now wakes from the polling thread, a
// posted completion from whichever thread ran it): each is polled by one thread at a time and
// every task finishes once (TSan checks the hand-offs).
TEST(AsioExecutorSpawner, ManyTasksOnAnIoContextRunByTwoThreads) {
    asio::io_context ioc(2);
    af::asio::executor_spawner sp(ioc.get_executor());
    std::atomic<int> finished{0};
    std::vector<af::join_handle<int>> handles;
    for (int i = 0; i < 200; ++i) {
        handles.push_back(sp.spawn([&finished, &ioc, i]() -> af::task<int> {
            int sum = 0;
            for (int k = 0; k < 5; ++k) {
                co_await af::yield_now();
                co_await asio::post(ioc, af::asio::use_future);  // void(): a plain completion
                sum += k;
            }
            finished.fetch_add(1);
            co_return sum + i;
        }));
    }
    std::thread second([&] { ioc.run(); });
    ioc.run();
    second.join();
    EXPECT_EQ(finished.load(), 200);
    for (int i = 0; i < 200; ++i) EXPECT_EQ(af::block_on(std::move(handles[i])), 10 + i);
}

}  // namespace asio_executor_spawner_test

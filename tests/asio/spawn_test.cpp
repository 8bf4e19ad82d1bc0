// SPDX-License-Identifier: MIT
#include "af/asio/spawn.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "af/asio/use_future.hpp"
#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/never.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"

namespace asio_spawn_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

af::task<int> fails() {
    co_await af::yield_now();
    throw std::runtime_error("boom");
}

TEST(AsioSpawn, CallbackGetsTheValue) {
    asio::io_context ioc;
    std::optional<int> got;
    std::exception_ptr err;
    af::asio::spawn(ioc.get_executor(), add_later(2, 3), [&](std::exception_ptr e, int v) {
        err = e;
        got = v;
    });
    ioc.run();
    EXPECT_FALSE(err);
    EXPECT_EQ(got, 5);
}

TEST(AsioSpawn, CallbackGetsTheException) {
    asio::io_context ioc;
    std::exception_ptr err;
    af::asio::spawn(ioc.get_executor(), fails(), [&](std::exception_ptr e, int) { err = e; });
    ioc.run();
    ASSERT_TRUE(err);
    EXPECT_THROW(std::rethrow_exception(err), std::runtime_error);
}

TEST(AsioSpawn, UseAwaitableFromAnAsioCoroutine) {
    asio::io_context ioc;
    std::optional<int> got;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            int v = co_await af::asio::spawn(ioc.get_executor(), add_later(20, 22), asio::use_awaitable);
            got = v;
            try {
                co_await af::asio::spawn(ioc.get_executor(), fails(), asio::use_awaitable);
            } catch (const std::runtime_error&) {
                *got += 1000;
            }
        },
        asio::detached);
    ioc.run();
    EXPECT_EQ(got, 1042);
}

TEST(AsioSpawn, DeferredStartsWhenInvoked) {
    asio::io_context ioc;
    std::optional<int> got;
    auto op = af::asio::spawn(ioc.get_executor(), add_later(1, 1), asio::deferred);
    ioc.run();
    EXPECT_FALSE(got);  // nothing ran: a deferred operation waits to be invoked
    ioc.restart();
    std::move(op)([&](std::exception_ptr, int v) { got = v; });
    ioc.run();
    EXPECT_EQ(got, 2);
}

TEST(AsioSpawn, AsioUseFutureFromAnotherThread) {
    asio::io_context ioc;
    auto guard = asio::make_work_guard(ioc);
    std::thread t([&] { ioc.run(); });
    std::future<int> f = af::asio::spawn(ioc.get_executor(), add_later(4, 5), asio::use_future);
    EXPECT_EQ(f.get(), 9);
    std::future<void> g = af::asio::spawn(ioc.get_executor(), []() -> af::task<void> { co_return; }, asio::use_future);
    g.get();
    guard.reset();
    t.join();
}

TEST(AsioSpawn, AwaitedFromAnAfTaskThroughUseFuture) {
    asio::io_context ioc;
    auto guard = asio::make_work_guard(ioc);
    std::thread t([&] { ioc.run(); });
    int v = af::block_on(af::asio::spawn(ioc.get_executor(), add_later(6, 7), af::asio::use_future));
    EXPECT_EQ(v, 13);
    guard.reset();
    t.join();
}

TEST(AsioSpawn, TerminalCancellationDropsTheAfFuture) {
    asio::io_context ioc;
    af::test::drop_counter drops;
    asio::cancellation_signal sig;
    std::exception_ptr err;
    bool called = false;
    af::asio::spawn(
        ioc.get_executor(),
        [](af::test::drop_counter::guard) -> af::task<int> {
            co_await af::never();
            co_return 1;
        }(drops.make()),
        asio::bind_cancellation_slot(sig.slot(), [&](std::exception_ptr e, int) {
            called = true;
            err = e;
        }));
    ioc.poll();  // the task starts and waits for ever
    EXPECT_EQ(drops.count(), 0);
    asio::post(ioc, [&] { sig.emit(asio::cancellation_type::partial); });  // not supported: ignored
    ioc.poll();
    EXPECT_FALSE(called);
    asio::post(ioc, [&] { sig.emit(asio::cancellation_type::terminal); });
    ioc.run();
    EXPECT_EQ(drops.count(), 1);
    ASSERT_TRUE(called);
    try {
        std::rethrow_exception(err);
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), af::errc::cancelled);
    }
}

TEST(AsioSpawn, DestroyingTheIoContextDestroysTheHandlerUncalled) {
    af::test::drop_counter drops;
    auto ioc = std::make_unique<asio::io_context>();
    auto witness = std::make_shared<int>(0);
    bool called = false;
    af::asio::spawn(
        ioc->get_executor(),
        [](af::test::drop_counter::guard) -> af::task<int> {
            co_await af::never();
            co_return 1;
        }(drops.make()),
        [&called, witness](std::exception_ptr, int) { called = true; });
    ioc->poll();
    EXPECT_EQ(witness.use_count(), 2);
    ioc.reset();
    EXPECT_EQ(drops.count(), 1);
    EXPECT_FALSE(called);  // as Asio does with the handlers of a destroyed context
    EXPECT_EQ(witness.use_count(), 1);
}

}  // namespace asio_spawn_test

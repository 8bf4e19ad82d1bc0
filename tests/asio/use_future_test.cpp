// SPDX-License-Identifier: MIT
#include "af/asio/use_future.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/rt/runtime.hpp"
#include "af/test/wake_counter.hpp"

namespace asio_use_future_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using stream = asio::local::stream_protocol::socket;

// An io_context run by its own thread until the fixture goes.
struct io_thread {
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread t{[this] { ioc.run(); }};
    ~io_thread() {
        guard.reset();
        ioc.stop();
        t.join();
    }
};

// A hand-written Asio operation: counts its starts and completes with (ec, 42) through a post.
struct counting_op {
    using executor_type = asio::io_context::executor_type;
    executor_type ex;
    std::atomic<int>* starts;
    executor_type get_executor() const noexcept { return ex; }
    template <class Handler>
    void operator()(Handler&& h, boost::system::error_code ec) {
        starts->fetch_add(1);
        asio::post(ex, [h = std::move(h), ec]() mutable { std::move(h)(ec, 42); });
    }
};
template <class Token>
auto async_counting(asio::io_context& ioc, std::atomic<int>& starts, boost::system::error_code ec, Token&& t) {
    return asio::async_initiate<Token, void(boost::system::error_code, int)>(
        counting_op{ioc.get_executor(), &starts}, t, ec);
}

// Spins the io_context on this thread until `done` or a generous hang guard.
template <class Pred>
bool run_until(asio::io_context& ioc, Pred done) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        ioc.restart();
        ioc.run_one_for(10ms);
    }
    return true;
}

TEST(AsioUseFuture, ValueOfTheCompletionAfterTheErrorCode) {
    io_thread io;
    std::atomic<int> starts{0};
    int v = af::block_on(async_counting(io.ioc, starts, {}, af::asio::use_future));
    EXPECT_EQ(v, 42);
    EXPECT_EQ(starts.load(), 1);
}

TEST(AsioUseFuture, ErrorCodeIsThrownAsSystemError) {
    io_thread io;
    std::atomic<int> starts{0};
    auto f = async_counting(io.ioc, starts, asio::error::operation_aborted, af::asio::use_future);
    try {
        af::block_on(std::move(f));
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_TRUE(e.code() == std::errc::operation_canceled);
        EXPECT_TRUE(e.code() == boost::system::error_code(asio::error::operation_aborted));
    }
}

TEST(AsioUseFuture, TupleFormReturnsTheErrorCode) {
    io_thread io;
    std::atomic<int> starts{0};
    auto [ec, v] = af::block_on(async_counting(io.ioc, starts, asio::error::eof, af::asio::use_future_tuple));
    EXPECT_EQ(ec, asio::error::eof);
    EXPECT_EQ(v, 42);
}

TEST(AsioUseFuture, AsioAsTupleAroundUseFutureWorksToo) {
    io_thread io;
    std::atomic<int> starts{0};
    auto [ec, v] = af::block_on(async_counting(io.ioc, starts, asio::error::eof, asio::as_tuple(af::asio::use_future)));
    EXPECT_EQ(ec, asio::error::eof);
    EXPECT_EQ(v, 42);
}

TEST(AsioUseFuture, NothingStartsBeforeTheFirstPoll) {
    asio::io_context ioc;
    std::atomic<int> starts{0};
    {
        auto f = async_counting(ioc, starts, {}, af::asio::use_future);
        ioc.run();
        EXPECT_EQ(starts.load(), 0);
    }  // dropped unpolled: nothing to cancel, nothing posted
    ioc.restart();
    EXPECT_EQ(ioc.poll(), 0u);
    EXPECT_EQ(starts.load(), 0);
}

TEST(AsioUseFuture, StartsInlineOnTheExecutorsThreadAndWakesOnCompletion) {
    asio::io_context ioc;
    std::atomic<int> starts{0};
    auto f = async_counting(ioc, starts, {}, af::asio::use_future);
    af::test::wake_counter wc;
    std::optional<af::poll<int>> first;
    // Polled from inside the io_context: the start runs inline.
    asio::post(ioc, [&] {
        af::context cx(wc.waker());
        first.emplace(f.poll(cx));
        EXPECT_EQ(starts.load(), 1);
    });
    ioc.run();
    ASSERT_TRUE(first && first->is_pending());
    EXPECT_EQ(wc.count(), 1u);
    af::context cx(wc.waker());
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(*p, 42);
}

TEST(AsioUseFuture, ReadsAndWritesASocketPair) {
    io_thread io;
    stream a(io.ioc), b(io.ioc);
    asio::local::connect_pair(a, b);
    auto run = [&]() -> af::task<std::size_t> {
        std::array<char, 5> out{'h', 'e', 'l', 'l', 'o'};
        std::array<char, 16> in{};
        auto w = asio::async_write(a, asio::buffer(out), af::asio::use_future);
        std::size_t written = co_await std::move(w);
        auto r = asio::async_read(b, asio::buffer(in, written), af::asio::use_future);
        std::size_t n = co_await std::move(r);
        EXPECT_EQ(std::string(in.data(), n), "hello");
        a.close();
        auto eof = b.async_read_some(asio::buffer(in), af::asio::use_future_tuple);
        auto [ec, m] = co_await std::move(eof);
        EXPECT_EQ(ec, asio::error::eof);
        EXPECT_EQ(m, 0u);
        co_return n;
    };
    EXPECT_EQ(af::block_on(af::co_invoke(run)), 5u);
}

TEST(AsioUseFuture, DroppingAStartedReadCancelsItAndKeepsTheBufferUntilTheHandlerRan) {
    asio::io_context ioc;
    stream a(ioc), b(ioc);
    asio::local::connect_pair(a, b);
    auto buf = std::make_shared<std::array<char, 64>>();
    {
        auto f = b.async_read_some(asio::buffer(*buf), af::asio::use_future).keep(buf);
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(f.poll(cx).is_pending());  // not on the io_context's thread: start posted
        ioc.restart();
        ioc.poll();                            // the read is now pending in the reactor
        EXPECT_EQ(buf.use_count(), 2);
    }  // dropped: a terminal cancellation is posted to b's executor
    EXPECT_EQ(buf.use_count(), 2);            // the operation still owns the buffer
    ASSERT_TRUE(run_until(ioc, [&] { return buf.use_count() == 1; }));
    // The socket is still usable: the cancelled read consumed nothing.
    std::array<char, 1> one{'x'};
    asio::write(a, asio::buffer(one));
    std::array<char, 1> got{};
    EXPECT_EQ(asio::read(b, asio::buffer(got)), 1u);
    EXPECT_EQ(got[0], 'x');
}

TEST(AsioUseFuture, DestroyingTheIoContextFailsThePendingFutureAsCancelled) {
    auto ioc = std::make_unique<asio::io_context>();
    auto timer = std::make_unique<asio::steady_timer>(*ioc, std::chrono::hours(1));
    auto f = timer->async_wait(af::asio::use_future);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(f.poll(cx).is_pending());
    ioc->poll();  // runs the posted start: the wait is queued
    timer.reset();  // cancels the wait: its handler is queued, not run
    ioc.reset();    // destroys the queued handler without calling it
    EXPECT_GE(wc.count(), 1u);
    try {
        (void)f.poll(cx);
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), af::errc::cancelled);
    }
}

TEST(AsioUseFuture, DroppedBeforeThePostedStartRanNeverStarts) {
    asio::io_context ioc;
    std::atomic<int> starts{0};
    {
        auto f = async_counting(ioc, starts, {}, af::asio::use_future);
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    ioc.run();
    EXPECT_EQ(starts.load(), 0);
}

// Cancellation racing completion: the io_context's thread completes timers while this thread
// drops the futures waiting for them. Whichever wins, each handler runs once, the kept object
// is released once, and nothing is touched after it is freed (ASan, TSan).
TEST(AsioUseFuture, DropRacingCompletionOnTwoThreads) {
    io_thread io;
    auto strand = asio::make_strand(io.ioc);
    constexpr int rounds = 300;
    std::vector<std::shared_ptr<int>> kept;
    int completed = 0;
    for (int i = 0; i < rounds; ++i) {
        auto timer = std::make_shared<asio::steady_timer>(strand, std::chrono::microseconds(i % 4 * 20));
        auto token = std::make_shared<int>(i);
        kept.push_back(token);
        {
            auto f = timer->async_wait(af::asio::use_future_tuple).keep(token);
            af::test::wake_counter wc;
            af::context cx(wc.waker());
            bool ready = f.poll(cx).is_ready();
            if (i % 2 == 0) std::this_thread::yield();
            if (!ready && i % 3 == 0) ready = f.poll(cx).is_ready();  // never polled after ready
            if (ready) ++completed;
        }  // f dropped, maybe while its handler runs
        // The timer goes to the strand after the drop's cancellation, so that it is destroyed
        // after the wait completed, never concurrently with it.
        asio::post(strand, [t = std::move(timer)] {});
    }
    auto deadline = std::chrono::steady_clock::now() + 20s;
    for (auto& k : kept) {
        while (k.use_count() != 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        EXPECT_EQ(k.use_count(), 1);
    }
    EXPECT_LE(completed, rounds);
}

// An af runtime shut down while its tasks await operations of an io_context that another
// thread runs: the dropped futures cancel their operations there, and every handler runs on
// live state (the kept pointer is released by the handler, after the runtime is gone).
TEST(AsioUseFuture, RuntimeShutDownWithAsioOperationsInFlight) {
    io_thread io;
    constexpr int tasks = 16;
    std::vector<std::unique_ptr<asio::steady_timer>> timers;
    for (int i = 0; i < tasks; ++i) timers.push_back(std::make_unique<asio::steady_timer>(io.ioc, std::chrono::hours(1)));
    auto kept = std::make_shared<int>(0);
    std::atomic<int> polled{0};
    {
        af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).build();
        for (int i = 0; i < tasks; ++i) {
            rt.spawn([&polled, kept, t = timers[i].get()]() -> af::task<void> {
                auto f = t->async_wait(af::asio::use_future).keep(kept);
                polled.fetch_add(1);
                co_await std::move(f);
            }).detach();
        }
        auto deadline = std::chrono::steady_clock::now() + 20s;
        while (polled.load() < tasks && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        ASSERT_EQ(polled.load(), tasks);
    }  // shut down: the tasks' futures are dropped on this thread
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (kept.use_count() != 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    EXPECT_EQ(kept.use_count(), 1);
    // No wait is pending any more: destroying the timers here does not race the io thread.
}

}  // namespace asio_use_future_test

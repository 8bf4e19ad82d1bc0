// SPDX-License-Identifier: MIT
#include "af/signal.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>

#include "af/core/task.hpp"
#include "af/future/poll_fn.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/stream/next.hpp"
#include "af/test/wake_counter.hpp"

namespace signal_signal_test {

namespace {

using backend = af::rt::io_backend;

#if defined(__SANITIZE_THREAD__)
constexpr bool under_tsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool under_tsan = true;
#else
constexpr bool under_tsan = false;
#endif
#else
constexpr bool under_tsan = false;
#endif

class signal_rt : public ::testing::TestWithParam<std::tuple<backend, bool>> {
protected:
    void SetUp() override {
        af::rt::builder b;
        if (std::get<1>(GetParam())) b.multi_thread().worker_threads(2);
        else b.current_thread();
        try {
            rt_.emplace(b.enable_all().io_backend(std::get<0>(GetParam())).build());
        } catch (const std::system_error& e) {
            GTEST_SKIP() << "backend unavailable: " << e.what();
        }
    }
    std::optional<af::rt::runtime> rt_;
};

TEST_P(signal_rt, a_raised_signal_is_delivered_to_the_stream) {
    int got = rt_->block_on([]() -> af::task<int> {
        af::signal::signal_stream s = af::signal::signal(SIGUSR1);
        ::raise(SIGUSR1);
        std::optional<int> v = co_await af::next(s);
        co_return v.value_or(-1);
    });
    EXPECT_EQ(got, SIGUSR1);
}

TEST_P(signal_rt, a_waiting_stream_wakes_when_another_thread_signals_the_process) {
    // kill() targets the process: the kernel may pick any thread (a worker, the blocking pool,
    // this one); the handler-and-pipe design must wake the stream whichever it is. The sender
    // repeats until the stream saw one: ThreadSanitizer defers a signal that lands on a thread
    // parked in a futex until that thread wakes, which here could be never.
    if (under_tsan && std::get<1>(GetParam()))
        GTEST_SKIP() << "under ThreadSanitizer, process-directed signals never reach the handler while "
                        "every thread is parked (open item; the raise() tests cover the handler)";
    int got = rt_->block_on([]() -> af::task<int> {
        af::signal::signal_stream s = af::signal::signal(SIGUSR2);
        std::atomic<bool> seen{false};
        std::thread t([&seen] {
            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (!seen.load() && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                ::kill(::getpid(), SIGUSR2);
            }
        });
        std::optional<int> v = co_await af::next(s);
        seen.store(true);
        t.join();
        co_return v.value_or(-1);
    });
    EXPECT_EQ(got, SIGUSR2);
}

TEST_P(signal_rt, two_listeners_each_get_every_delivery) {
    int total = rt_->block_on([]() -> af::task<int> {
        af::signal::signal_stream a = af::signal::signal(SIGUSR1);
        af::signal::signal_stream b = af::signal::signal(SIGUSR1);
        auto other = af::rt::spawn([b = std::move(b)]() mutable -> af::task<int> {
            int n = 0;
            while (n < 3) {
                co_await af::next(b);
                ++n;
            }
            co_return n;
        });
        int n = 0;
        for (int i = 0; i < 3; ++i) {
            ::raise(SIGUSR1);  // synchronous: the handler has run when raise returns
            co_await af::next(a);
            ++n;
        }
        co_return n + co_await std::move(other);
    });
    EXPECT_EQ(total, 6);
}

TEST_P(signal_rt, ctrl_c_completes_on_sigint) {
    bool done = rt_->block_on([]() -> af::task<bool> {
        auto f = af::signal::ctrl_c();  // listening from here, before the first poll
        ::raise(SIGINT);
        co_await std::move(f);
        co_return true;
    });
    EXPECT_TRUE(done);
}

INSTANTIATE_TEST_SUITE_P(backends, signal_rt,
                         ::testing::Combine(::testing::Values(backend::epoll, backend::io_uring), ::testing::Bool()),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param) == backend::epoll ? "epoll" : "io_uring") +
                                    (std::get<1>(info.param) ? "_multi_thread" : "_current_thread");
                         });

TEST(signal, a_stream_polled_by_hand_is_pending_until_a_delivery_and_then_woken) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().io_backend(backend::epoll).build();
    rt.block_on([]() -> af::task<void> {
        af::signal::signal_stream s(SIGUSR1);
        af::test::wake_counter wc;
        af::waker w = wc.waker();
        af::context cx(w);
        EXPECT_TRUE(s.poll_next(cx).is_pending());
        ::raise(SIGUSR1);
        // The wake comes through the reactor: let the runtime drive it.
        while (wc.count() == 0) co_await af::rt::yield_now();
        af::poll<std::optional<int>> r = s.poll_next(cx);
        EXPECT_TRUE(r.is_ready() && r.value() == SIGUSR1);
        EXPECT_TRUE(s.poll_next(cx).is_pending());  // one delivery, one item
    });
}

TEST(signal, deliveries_before_the_first_poll_are_counted_and_no_runtime_is_needed_to_listen) {
    af::signal::signal_stream s(SIGUSR2);  // outside any runtime
    ::raise(SIGUSR2);
    ::raise(SIGUSR2);
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    int n = rt.block_on([&s]() -> af::task<int> {
        co_await af::next(s);
        co_await af::next(s);
        co_return 2;
    });
    EXPECT_EQ(n, 2);
}

TEST(signal, refused_signals_throw) {
    EXPECT_THROW(af::signal::signal(SIGKILL), std::system_error);
    EXPECT_THROW(af::signal::signal(SIGSEGV), std::system_error);
    EXPECT_THROW(af::signal::signal(0), std::system_error);
}

TEST(signal, a_dropped_listener_stops_counting_and_frees_its_slot) {
    // More listeners over time than the table holds at once (256): slots are reused, or the
    // 257th construction throws ENOSPC.
    for (int i = 0; i < 600; ++i) {
        std::optional<af::signal::signal_stream> s;
        ASSERT_NO_THROW(s.emplace(SIGUSR1)) << "listener " << i;
        ::raise(SIGUSR1);
    }
    // The slot's next owner does not inherit the deliveries counted for the dropped listener.
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    af::signal::signal_stream fresh(SIGUSR1);
    bool pending = rt.block_on(af::poll_fn([&](af::context& cx) -> af::poll<bool> {
        return fresh.poll_next(cx).is_pending();
    }));
    EXPECT_TRUE(pending);
}

}  // namespace

}  // namespace signal_signal_test

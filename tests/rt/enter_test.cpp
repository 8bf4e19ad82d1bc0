// SPDX-License-Identifier: MIT
// af::rt::handle::enter: a thread the runtime does not own makes it current, so that spawns,
// sleeps and sockets made there bind to it; guards nest and restore what they found.
#include "af/rt/runtime.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/yield_now.hpp"
#include "af/net/socket_addr.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/net/udp_socket.hpp"
#include "af/rt/spawn.hpp"
#include "af/rt/spawn_blocking.hpp"
#include "af/time/instant.hpp"
#include "af/time/sleep.hpp"

namespace rt_enter_test {

namespace {

using namespace std::chrono_literals;

af::rt::runtime multi_thread() { return af::rt::builder().multi_thread().worker_threads(2).enable_all().build(); }

af::task<int> answer() {
    co_await af::yield_now();
    co_return 42;
}

// Runs `fn` on a new thread (one the runtime does not own) and waits for it.
template <class Fn>
void on_foreign_thread(Fn fn) {
    std::thread t(std::move(fn));
    t.join();
}

TEST(enter, makes_current_and_try_current_see_the_runtime_on_a_foreign_thread) {
    af::rt::runtime rt = multi_thread();
    on_foreign_thread([h = rt.handle()] {
        EXPECT_FALSE(af::rt::handle::try_current().has_value());
        {
            auto g = h.enter();
            ASSERT_TRUE(af::rt::handle::try_current().has_value());
            EXPECT_EQ(af::block_on(af::rt::handle::current().spawn(answer())), 42);
        }
        EXPECT_FALSE(af::rt::handle::try_current().has_value());
    });
}

TEST(enter, spawn_and_spawn_blocking_on_a_foreign_thread_go_to_the_runtime) {
    af::rt::runtime rt = multi_thread();
    on_foreign_thread([h = rt.handle()] {
        auto g = h.enter();
        auto task = af::rt::spawn([]() -> af::task<std::thread::id> { co_return std::this_thread::get_id(); });
        auto job = af::rt::spawn_blocking([] { return std::this_thread::get_id(); });
        EXPECT_NE(af::block_on(std::move(task)), std::this_thread::get_id());
        EXPECT_NE(af::block_on(std::move(job)), std::this_thread::get_id());
    });
}

TEST(enter, on_a_thread_per_core_runtime_spawns_and_sleeps_from_a_foreign_thread) {
    af::rt::runtime rt = af::rt::builder().thread_per_core().worker_threads(2).enable_time().build();
    on_foreign_thread([h = rt.handle()] {
        auto g = h.enter();
        auto j = af::rt::spawn([]() -> af::task<int> {
            co_await af::time::sleep(5ms);
            co_return 42;
        });
        af::block_on(af::time::sleep(5ms));  // on core 0's clock, which its thread drives
        EXPECT_EQ(af::block_on(std::move(j)), 42);
    });
}

TEST(enter, on_a_current_thread_runtime_spawned_tasks_run_once_a_thread_blocks_on_it) {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    af::join_handle<int> j;
    on_foreign_thread([&j, h = rt.handle()] {
        auto g = h.enter();
        j = af::rt::spawn(answer());  // queued: nothing polls a current_thread runtime by itself
    });
    EXPECT_EQ(rt.block_on(std::move(j)), 42);
}

TEST(enter, a_sleep_made_on_a_foreign_thread_binds_to_the_runtime_clock) {
    af::rt::runtime rt = multi_thread();
    on_foreign_thread([h = rt.handle()] {
        std::optional<af::time::sleep_future> s;
        {
            auto g = h.enter();
            s.emplace(af::time::sleep(10ms));
        }
        // Polled after the guard is gone (no runtime current: a sleep made here would throw):
        // it keeps the driver it was made with, which the runtime's workers drive.
        EXPECT_FALSE(af::rt::handle::try_current().has_value());
        af::time::instant deadline = s->deadline();
        af::block_on(std::move(*s));
        EXPECT_GE(std::chrono::steady_clock::now(), deadline.time_point());
    });
}

TEST(enter, a_sleep_polled_on_a_foreign_thread_is_fired_by_the_runtime) {
    af::rt::runtime rt = multi_thread();
    on_foreign_thread([h = rt.handle()] {
        auto g = h.enter();
        af::time::instant start = af::time::instant::now();
        af::block_on(af::time::sleep(20ms));
        EXPECT_GE(af::time::instant::now() - start, 20ms);
    });
}

TEST(enter, tcp_connect_and_udp_bind_on_a_foreign_thread_use_the_runtime_reactor) {
    af::rt::runtime rt = multi_thread();
    af::net::tcp_listener l = rt.block_on([]() -> af::task<af::net::tcp_listener> {
        co_return af::net::tcp_listener::bind(af::net::socket_addr::v4_loopback());
    });
    auto accepted = rt.spawn([&l]() -> af::task<void> { std::ignore = co_await l.accept(); });
    on_foreign_thread([h = rt.handle(), addr = l.local_addr()] {
        auto g = h.enter();
        af::net::tcp_stream s = af::block_on(af::net::tcp_stream::connect(addr));
        EXPECT_EQ(s.peer_addr().port(), addr.port());
        af::net::udp_socket u = af::net::udp_socket::bind(af::net::socket_addr::v4_loopback());
        EXPECT_NE(u.local_addr().port(), 0);
    });
    rt.block_on(std::move(accepted));
}

TEST(enter, guards_nest_and_each_restores_the_runtime_it_found) {
    af::rt::runtime a = multi_thread();
    af::rt::runtime b = af::rt::builder().current_thread().build();
    on_foreign_thread([ha = a.handle(), hb = b.handle()] {
        auto ga = ha.enter();
        // A task that says which runtime polls it: it sees b's handle only on b.
        auto on_b = [] { return af::rt::handle::current().metrics().workers == 0; };
        EXPECT_FALSE(on_b());
        {
            auto gb = hb.enter();
            EXPECT_TRUE(on_b());
            {
                auto ga2 = ha.enter();
                EXPECT_FALSE(on_b());
            }
            EXPECT_TRUE(on_b());
        }
        EXPECT_FALSE(on_b());
    });
}

TEST(enter, block_on_inside_an_entered_scope_restores_the_entered_runtime) {
    af::rt::runtime a = multi_thread();
    af::rt::runtime b = af::rt::builder().current_thread().build();
    auto g = a.handle().enter();
    EXPECT_EQ(b.block_on(answer()), 42);
    EXPECT_NE(af::rt::handle::current().metrics().workers, 0u);  // a again, not b and not none
}

TEST(enter, the_guard_keeps_the_runtime_state_alive_after_the_runtime_is_dropped) {
    std::optional<af::rt::runtime> rt(multi_thread());
    auto g = rt->handle().enter();
    rt.reset();  // shut down: spawns are cancelled at once, but nothing dangles
    EXPECT_THROW(af::block_on(af::rt::spawn(answer())), af::cancelled_error);
}

TEST(enter_death, a_guard_destroyed_out_of_order_aborts_with_a_message) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            af::rt::runtime rt = af::rt::builder().current_thread().build();
            struct holder {
                af::rt::enter_guard g;
            };
            auto* outer = new holder{rt.handle().enter()};
            auto inner = rt.handle().enter();
            delete outer;
        },
        "destroyed out of order or on another thread");
}

}  // namespace

}  // namespace rt_enter_test

// SPDX-License-Identifier: MIT
// af::rt::handle as "where to run my tasks": current()/try_current(), the af::spawner concept,
// af::any_spawner over a runtime and over the executors, and the errors of runtime-bound
// operations used outside a runtime.
#include "af/executor/spawner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/local_pool.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/join_all.hpp"
#include "af/future/yield_now.hpp"
#include "af/net/socket_addr.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/net/udp_socket.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/rt/spawn_blocking.hpp"
#include "af/test/wake_counter.hpp"
#include "af/time/sleep.hpp"

namespace rt_handle_test {

namespace {

using namespace std::chrono_literals;

static_assert(af::spawner<af::rt::handle>);
static_assert(af::spawner<af::executor::spawner>);  // thread_pool's and local_pool's
static_assert(af::spawner<af::any_spawner>);
static_assert(!af::spawner<af::executor::thread_pool>, "a pool is not a copyable handle; use pool.spawner()");
static_assert(!af::spawner<af::rt::runtime>, "a runtime is not a copyable handle; use rt.handle()");
static_assert(!af::spawner<int>);
static_assert(std::is_convertible_v<af::rt::handle, af::any_spawner>);
static_assert(std::is_convertible_v<af::executor::spawner, af::any_spawner>);
static_assert(!std::is_default_constructible_v<af::any_spawner>, "an any_spawner always spawns somewhere");

constexpr const char* fix = "; call it from inside a runtime (block_on/spawn) or enter one with handle.enter()";

template <class Fn>
std::string logic_error_of(Fn fn) {
    try {
        fn();
    } catch (const std::logic_error& e) {
        return e.what();
    }
    return "no exception";
}

af::task<int> answer() {
    co_await af::yield_now();
    co_return 42;
}

// What a library looks like: a non-template class that is told where to run its tasks.
class echo_service {
public:
    explicit echo_service(af::any_spawner where) : where_(std::move(where)) {}

    af::join_handle<std::thread::id> handle_request() {
        return where_.spawn([]() -> af::task<std::thread::id> {
            co_await af::yield_now();
            co_return std::this_thread::get_id();
        });
    }

private:
    af::any_spawner where_;
};

TEST(handle, current_inside_block_on_is_the_runtime_blocked_on) {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    int v = rt.block_on([]() -> af::task<int> {
        af::rt::handle h = af::rt::handle::current();
        co_return co_await h.spawn(answer());
    });
    EXPECT_EQ(v, 42);
}

TEST(handle, current_inside_a_spawned_task_on_a_worker) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).build();
    bool found = rt.block_on(rt.spawn([]() -> af::task<bool> { co_return af::rt::handle::try_current().has_value(); }));
    EXPECT_TRUE(found);
}

TEST(handle, current_outside_a_runtime_throws_naming_the_fix) {
    EXPECT_EQ(logic_error_of([] { (void)af::rt::handle::current(); }),
              std::string("af::rt::handle::current called outside an af runtime") + fix);
    EXPECT_FALSE(af::rt::handle::try_current().has_value());
}

TEST(handle, satisfies_spawner_and_spawns_through_a_generic_function) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).build();
    auto spawn_two = [](af::spawner auto where) {
        std::vector<af::join_handle<int>> hs;
        hs.push_back(where.spawn(answer()));
        hs.push_back(where.spawn(answer()));
        return hs;
    };
    auto hs = spawn_two(rt.handle());
    int sum = 0;
    for (auto& h : hs) sum += af::block_on(std::move(h));
    EXPECT_EQ(sum, 84);
}

TEST(any_spawner, a_library_class_spawns_onto_a_runtime_handle) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).build();
    echo_service svc(rt.handle());
    std::thread::id ran_on = af::block_on(svc.handle_request());
    EXPECT_NE(ran_on, std::this_thread::get_id());  // a worker ran it
}

TEST(any_spawner, a_library_class_spawns_onto_a_thread_pool) {
    af::executor::thread_pool pool(2);
    echo_service svc(pool.spawner());
    std::thread::id ran_on = af::block_on(svc.handle_request());
    EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(any_spawner, a_library_class_spawns_onto_a_local_pool) {
    af::executor::local_pool pool;
    echo_service svc(pool.spawner());
    EXPECT_EQ(pool.run_until(svc.handle_request()), std::this_thread::get_id());
}

TEST(any_spawner, copies_and_moved_from_ones_spawn_where_the_original_does) {
    af::executor::local_pool pool;
    af::any_spawner a = pool.spawner();
    af::any_spawner b = a;
    af::any_spawner c = std::move(a);
    auto ha = a.spawn(answer());  // NOLINT(bugprone-use-after-move): moves copy, by design
    auto hb = b.spawn(answer());
    auto hc = c.spawn(answer());
    EXPECT_EQ(pool.run_until(std::move(ha)) + pool.run_until(std::move(hb)) + pool.run_until(std::move(hc)), 126);
}

TEST(any_spawner, on_a_current_thread_runtime_spawns_from_inside_and_outside) {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    af::any_spawner where = rt.handle();
    auto outside = where.spawn(answer());  // queued; runs once a thread is in block_on
    int v = rt.block_on([&]() -> af::task<int> {
        int a = co_await std::move(outside);
        int b = co_await where.spawn(answer());
        co_return a + b;
    });
    EXPECT_EQ(v, 84);
}

TEST(any_spawner, keeps_the_runtime_state_alive_and_cancels_after_shutdown) {
    std::optional<af::any_spawner> where;
    {
        af::rt::runtime rt = af::rt::builder().current_thread().build();
        where.emplace(rt.handle());
    }
    auto h = where->spawn(answer());
    EXPECT_THROW(af::block_on(std::move(h)), af::cancelled_error);
}

// --- runtime-bound operations outside a runtime ----------------------------------------------

TEST(outside_a_runtime, spawn_throws_naming_the_fix) {
    EXPECT_EQ(logic_error_of([] { (void)af::rt::spawn(answer()); }),
              std::string("af::rt::spawn called outside an af runtime") + fix);
}

TEST(outside_a_runtime, spawn_local_throws_naming_the_fix) {
    EXPECT_EQ(logic_error_of([] { (void)af::rt::spawn_local(answer()); }),
              std::string("af::rt::spawn_local called outside an af runtime") + fix);
}

TEST(outside_a_runtime, spawn_blocking_throws_naming_the_fix) {
    EXPECT_EQ(logic_error_of([] { (void)af::rt::spawn_blocking([] { return 1; }); }),
              std::string("af::rt::spawn_blocking called outside an af runtime") + fix);
}

TEST(outside_a_runtime, a_sleep_may_be_made_but_its_poll_throws_naming_the_fix) {
    auto s = af::time::sleep(1ms);  // made outside: binds at its first poll
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_EQ(logic_error_of([&] { (void)s.poll(cx); }), std::string("af::time::sleep called outside an af runtime") + fix);
}

TEST(outside_a_runtime, a_sleep_made_outside_runs_once_blocked_on) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().start_paused().build();
    rt.block_on(af::time::sleep(1h));  // the paused clock jumps to it
}

TEST(outside_a_runtime, a_runtime_without_time_names_enable_time) {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    EXPECT_EQ(logic_error_of([&] { rt.block_on(af::time::sleep(1ms)); }),
              "af::time::sleep needs a runtime with time enabled (builder().enable_time())");
}

TEST(outside_a_runtime, tcp_connect_throws_naming_the_fix_at_its_first_poll) {
    auto connect = af::net::tcp_stream::connect(af::net::socket_addr::v4_loopback(9));  // lazy
    std::string what = logic_error_of([&] { (void)af::block_on(std::move(connect)); });
    EXPECT_NE(what.find("called outside an af runtime" + std::string(fix)), std::string::npos) << what;
}

TEST(outside_a_runtime, udp_bind_throws_naming_the_fix) {
    std::string what = logic_error_of([] { (void)af::net::udp_socket::bind(af::net::socket_addr::v4_loopback()); });
    EXPECT_NE(what.find("called outside an af runtime" + std::string(fix)), std::string::npos) << what;
}

TEST(outside_a_runtime, a_runtime_without_io_names_enable_io) {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    std::string what = logic_error_of([&] {
        rt.block_on([]() -> af::task<void> {
            (void)af::net::udp_socket::bind(af::net::socket_addr::v4_loopback());
            co_return;
        });
    });
    EXPECT_NE(what.find("needs a runtime built with enable_io()"), std::string::npos) << what;
}

}  // namespace

}  // namespace rt_handle_test

// SPDX-License-Identifier: MIT
#include "af/executor/spawn.hpp"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

#include "af/executor/local_pool.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"

namespace executor_spawn_test {

namespace {

auto task_lambda = []() -> af::task<std::string> { co_return "x"; };
struct ready_maker {
    af::ready_future<int> operator()() const { return af::ready(1); }
};
struct int_maker {
    int operator()() const { return 1; }
};
struct needs_arg {
    af::task<void> operator()(int) const { co_return; }
};

void handler_a(std::exception_ptr) {}
void handler_b(std::exception_ptr) {}

}  // namespace

static_assert(af::executor::spawnable<af::task<int>>);
static_assert(af::executor::spawnable<decltype(task_lambda)>);
static_assert(af::executor::spawnable<ready_maker&>);
static_assert(!af::executor::spawnable<int>);
static_assert(!af::executor::spawnable<int_maker>);
static_assert(!af::executor::spawnable<needs_arg>);

static_assert(std::is_same_v<af::executor::spawn_future_t<af::task<int>>, af::task<int>>);
static_assert(std::is_same_v<af::executor::spawn_future_t<ready_maker>, af::task<int>>);
static_assert(std::is_same_v<af::executor::spawn_output_t<decltype(task_lambda)>, std::string>);

TEST(spawn, set_unhandled_exception_handler_returns_the_previous_handler) {
    auto original = af::executor::set_unhandled_exception_handler(&handler_a);
    EXPECT_EQ(af::executor::set_unhandled_exception_handler(&handler_b), &handler_a);
    EXPECT_EQ(af::executor::set_unhandled_exception_handler(original), &handler_b);
}

TEST(spawn, spawner_copies_spawn_onto_the_same_executor) {
    af::executor::local_pool pool;
    af::executor::spawner a = pool.spawner();
    af::executor::spawner b = a;
    af::executor::spawner c = std::move(b);
    int ran = 0;
    auto body = [&ran]() -> af::task<void> {
        co_await af::yield_now();
        ++ran;
    };
    a.spawn(body).detach();
    c.spawn(body).detach();
    pool.run();
    EXPECT_EQ(ran, 2);
}

TEST(spawn, a_spawned_lambda_is_copied_so_the_original_can_be_reused) {
    af::executor::local_pool pool;
    auto h1 = pool.spawn(task_lambda);
    auto h2 = pool.spawn(task_lambda);
    EXPECT_EQ(pool.run_until(std::move(h1)), "x");
    EXPECT_EQ(pool.run_until(std::move(h2)), "x");
}

}  // namespace executor_spawn_test

// SPDX-License-Identifier: MIT
// Task tracing (recorded per af/core/detail/trace.hpp, collected by task_trace.hpp): the await
// sites of a suspended af::task / af::async_generator chain, and the leaf it waits on. Lines
// are checked against __LINE__ of the co_await, with GCC and Clang alike.
#include "af/core/detail/task_trace.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "af/core/task.hpp"
#include "af/executor/detail/spawned_task.hpp"
#include "af/executor/local_pool.hpp"
#include "af/stream/async_generator.hpp"
#include "af/test.hpp"

namespace core_task_trace_test {

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
// GCC 12 false positive at -O0 for allocator_arg coroutine frames (see frame_allocator.hpp).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {

using af::detail::task_trace;
using int_future = af::test::manual_future<int>::future;
using string_future = af::test::manual_future<std::string>::future;

static_assert(af::detail::type_name<int>() == "int");
static_assert(af::detail::type_name<int_future>() == "af::test::manual_future<int>::future");

// The line of each co_await below, recorded on the same line as the co_await itself.
unsigned inner_line = 0;
unsigned middle_line = 0;
unsigned outer_first_line = 0;
unsigned outer_second_line = 0;

af::task<int> inner(int_future f) {
    inner_line = __LINE__; int v = co_await std::move(f);
    co_return v + 1;
}

af::task<int> middle(int_future f) {
    middle_line = __LINE__; int v = co_await inner(std::move(f));
    co_return v * 2;
}

af::task<std::string> outer(int_future f, string_future g) {
    outer_first_line = __LINE__; int v = co_await middle(std::move(f));
    outer_second_line = __LINE__; std::string s = co_await std::move(g);
    co_return s + std::to_string(v);
}

task_trace trace_of(const auto& f) {
    task_trace t;
    af::detail::trace_future(f, t);
    return t;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// GCC names the coroutine's generated body ("void {anon}::inner({anon}::inner(...)::...Frame*)"),
// Clang the coroutine ("af::task<int> (anonymous namespace)::inner(int_future)"): both contain
// the coroutine's name followed by '('.
bool names(const char* function, std::string_view name) {
    return std::string_view(function).find(std::string(name) + "(") != std::string_view::npos;
}

void expect_frame(const af::detail::await_point& p, unsigned line, std::string_view function) {
    EXPECT_TRUE(ends_with(p.file, "task_trace_test.cpp")) << p.file;
    EXPECT_EQ(p.line, line);
    EXPECT_TRUE(names(p.function, function)) << p.function;
}

TEST(task_trace, lists_each_await_site_from_the_root_down_to_the_leaf) {
    af::test::manual_future<int> m1;
    af::test::manual_future<std::string> m2;
    auto t = outer(m1.get(), m2.get());
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    ASSERT_TRUE(t.poll(cx).is_pending());

    task_trace tr = trace_of(t);
    ASSERT_EQ(tr.frames.size(), 3u);
    expect_frame(tr.frames[0], outer_first_line, "outer");
    expect_frame(tr.frames[1], middle_line, "middle");
    expect_frame(tr.frames[2], inner_line, "inner");
    EXPECT_EQ(tr.leaf, "af::test::manual_future<int>::future");
}

TEST(task_trace, follows_the_task_as_it_advances) {
    af::test::manual_future<int> m1;
    af::test::manual_future<std::string> m2;
    auto t = outer(m1.get(), m2.get());
    EXPECT_TRUE(trace_of(t).frames.empty()) << "a task that has not started is suspended nowhere";
    EXPECT_TRUE(trace_of(t).leaf.empty());

    af::test::wake_counter wc;
    af::context cx(wc.waker());
    ASSERT_TRUE(t.poll(cx).is_pending());
    EXPECT_EQ(trace_of(t).frames.size(), 3u);

    m1.set(4);
    ASSERT_TRUE(t.poll(cx).is_pending());
    // middle and inner have finished: their frames are gone from the chain (no stale child).
    task_trace tr = trace_of(t);
    ASSERT_EQ(tr.frames.size(), 1u);
    expect_frame(tr.frames[0], outer_second_line, "outer");
    // The compilers spell std::string differently (and neither as "std::string").
    EXPECT_TRUE(tr.leaf.starts_with("af::test::manual_future<std::")) << tr.leaf;
    EXPECT_NE(tr.leaf.find("basic_string<char"), std::string_view::npos) << tr.leaf;

    m2.set("x");
    auto p = t.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), "x10");
    EXPECT_TRUE(trace_of(t).frames.empty());
}

TEST(task_trace, walks_into_a_started_task_awaited_as_a_leaf) {
    af::test::manual_future<int> m;
    auto child = inner(m.get());
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    ASSERT_TRUE(child.poll(cx).is_pending());  // started on its own: awaited as a leaf below

    unsigned line = 0;
    auto parent = [](af::task<int>& c, unsigned& l) -> af::task<int> {
        l = __LINE__; co_return co_await c;
    }(child, line);
    ASSERT_TRUE(parent.poll(cx).is_pending());
    task_trace tr = trace_of(parent);
    ASSERT_EQ(tr.frames.size(), 2u);
    EXPECT_EQ(tr.frames[0].line, line);
    expect_frame(tr.frames[1], inner_line, "inner");
    EXPECT_EQ(tr.leaf, "af::test::manual_future<int>::future");

    m.set(1);
    EXPECT_EQ(parent.poll(cx).value(), 2);
}

TEST(task_trace, names_a_future_that_is_not_a_coroutine) {
    af::test::manual_future<int> m;
    auto f = m.get();
    task_trace tr = trace_of(f);
    EXPECT_TRUE(tr.frames.empty());
    EXPECT_EQ(tr.leaf, "af::test::manual_future<int>::future");
}

unsigned split_line = 0;

af::task<int> split(int_future f) {
    split_line = __LINE__; int v = co_await
        std::move(f);
    co_return v;
}

TEST(task_trace, a_co_await_written_across_lines_is_placed_by_keyword_on_clang_and_by_operand_on_gcc) {
    af::test::manual_future<int> m;
    auto t = split(m.get());
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    ASSERT_TRUE(t.poll(cx).is_pending());
    task_trace tr = trace_of(t);
    ASSERT_EQ(tr.frames.size(), 1u);
#if defined(__clang__)
    EXPECT_EQ(tr.frames[0].line, split_line);
#else
    EXPECT_EQ(tr.frames[0].line, split_line + 1);
#endif
    m.set(3);
    EXPECT_EQ(t.poll(cx).value(), 3);
}

unsigned gen_await_line = 0;
unsigned gen_yield_line = 0;

af::async_generator<int> numbers(int_future first, int_future second) {
    gen_await_line = __LINE__; int a = co_await std::move(first);
    gen_yield_line = __LINE__; co_yield a;
    co_yield co_await inner(std::move(second));
}

TEST(task_trace, follows_an_async_generator_through_awaits_and_yields) {
    af::test::manual_future<int> m1;
    af::test::manual_future<int> m2;
    auto g = numbers(m1.get(), m2.get());
    EXPECT_TRUE(trace_of(g).frames.empty());

    af::test::wake_counter wc;
    af::context cx(wc.waker());
    ASSERT_TRUE(g.poll_next(cx).is_pending());
    task_trace tr = trace_of(g);
    ASSERT_EQ(tr.frames.size(), 1u);
    expect_frame(tr.frames[0], gen_await_line, "numbers");
    EXPECT_EQ(tr.leaf, "af::test::manual_future<int>::future");

    m1.set(7);
    auto item = g.poll_next(cx);
    ASSERT_TRUE(item.is_ready());
    EXPECT_EQ(item.value(), std::optional<int>(7));
    tr = trace_of(g);
    ASSERT_EQ(tr.frames.size(), 1u);
    expect_frame(tr.frames[0], gen_yield_line, "numbers");
    EXPECT_TRUE(tr.leaf.empty()) << "stopped at a co_yield, not waiting on anything";

    ASSERT_TRUE(g.poll_next(cx).is_pending());
    tr = trace_of(g);
    ASSERT_EQ(tr.frames.size(), 2u);
    EXPECT_EQ(tr.frames[0].line, gen_yield_line + 1);
    expect_frame(tr.frames[1], inner_line, "inner");
    EXPECT_EQ(tr.leaf, "af::test::manual_future<int>::future");

    m2.set(1);
    EXPECT_EQ(g.poll_next(cx).value(), std::optional<int>(2));
    EXPECT_EQ(g.poll_next(cx).value(), std::nullopt);
    EXPECT_TRUE(trace_of(g).frames.empty());
}

// A leaf that reports which spawned task polls it (the waker's data pointer is the task) and
// stays pending until `done` is set.
struct header_spy {
    using output = int;
    af::detail::task_header** seen;
    const bool* done;
    af::poll<int> poll(af::context& cx) {
        const af::raw_waker& raw = cx.waker().as_raw();
        if (raw.vtable == &af::detail::task_waker_vtable) {
            *seen = static_cast<af::detail::task_header*>(raw.data);
        }
        if (*done) return af::poll<int>(std::in_place, 5);
        return af::pending;
    }
};

unsigned middle_of_line = 0;
unsigned spawned_line = 0;

af::task<int> middle_of(header_spy& spy) {
    middle_of_line = __LINE__; int v = co_await spy;
    co_return v;
}

af::task<int> spawned_root(header_spy spy) {  // `spy` lives in this frame
    spawned_line = __LINE__; int v = co_await middle_of(spy);
    co_return v;
}

TEST(task_trace, a_spawned_task_is_traced_through_its_vtable) {
    af::executor::local_pool pool;
    af::detail::task_header* header = nullptr;
    bool done = false;
    auto h = pool.spawn(spawned_root(header_spy{&header, &done}));
    pool.run_until_stalled();
    ASSERT_NE(header, nullptr);

    // The pool is not running: no thread polls the task while it is read.
    task_trace tr;
    header->trace(tr);
    ASSERT_EQ(tr.frames.size(), 2u);
    expect_frame(tr.frames[0], spawned_line, "spawned_root");
    expect_frame(tr.frames[1], middle_of_line, "middle_of");
    EXPECT_TRUE(ends_with(tr.leaf, "header_spy")) << tr.leaf;

    done = true;
    header->wake_by_ref();
    EXPECT_EQ(pool.run_until(std::move(h)), 5);
}

TEST(task_trace, a_spawned_plain_future_is_named) {
    af::executor::local_pool pool;
    af::detail::task_header* header = nullptr;
    bool done = false;
    auto h = pool.spawn(header_spy{&header, &done});
    pool.run_until_stalled();
    ASSERT_NE(header, nullptr);
    task_trace tr;
    header->trace(tr);
    EXPECT_TRUE(tr.frames.empty());
    EXPECT_TRUE(ends_with(tr.leaf, "header_spy")) << tr.leaf;
    done = true;
    header->wake_by_ref();
    EXPECT_EQ(pool.run_until(std::move(h)), 5);
}

}  // namespace

}  // namespace core_task_trace_test

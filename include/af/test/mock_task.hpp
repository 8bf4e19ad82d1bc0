// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::test::mock_task`: a task stepped by hand. It polls a future with its own counting waker,
/// so a test can say "pending", "now trigger it", "woken?", "ready with 5" one step at a time,
/// without an executor:
///
///     af::test::mock_task t(rx.recv());           // holds the future (on the heap: never moves)
///     af::test::assert_pending(t.poll());
///     tx.send(5);
///     assert(t.is_woken());                        // woken since the last poll
///     assert(af::test::assert_ready(t.poll()) == 5);
///
/// `mock_task<>` holds no future: `t.poll(f)` polls one the test owns, and `t.enter(fn)` runs
/// `fn(cx)` with the task's context (for `poll_next`, `poll_ready` and other non-future polls).
///
/// The `assert_*` helpers do not depend on any test framework: a failed check throws
/// `af::test::assertion_failure`, whose message names the check and the caller's file:line.
/// GoogleTest, Catch2 and doctest all report an escaping exception as a failure with its message.
///
/// Thread safety: a mock_task is polled by one thread at a time; its wakers may be woken from
/// any thread, and `wake_count` / `is_woken` may be read while they are.
#include <concepts>          // std::invocable
#include <cstddef>           // std::size_t
#include <memory>            // the held future's heap slot
#include <source_location>   // where a failed assertion was called from
#include <stdexcept>         // std::logic_error
#include <string>            // failure messages
#include <type_traits>       // std::is_void_v
#include <utility>           // std::move, std::in_place_t

#include "af/core/context.hpp"
#include "af/core/future.hpp"
#include "af/test/wake_counter.hpp"

namespace af::test {

/// A failed `af::test::assert_*` check. `what()` names the check and where it was called.
class assertion_failure : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

namespace detail {
[[noreturn]] inline void fail(const char* check, const char* expected, std::source_location loc) {
    throw assertion_failure(std::string(loc.file_name()) + ":" + std::to_string(loc.line()) + ": " + check +
                            " failed: " + expected);
}
}  // namespace detail

/// Checks that `p` is pending; throws `assertion_failure` if it is ready.
template <class T>
void assert_pending(const af::poll<T>& p, std::source_location loc = std::source_location::current()) {
    if (p.is_ready()) detail::fail("af::test::assert_pending", "the poll is ready, expected pending", loc);
}

/// Checks that `p` is ready and returns its value (nothing for `poll<void>`); throws
/// `assertion_failure` if it is pending.
template <class T>
T assert_ready(af::poll<T> p, std::source_location loc = std::source_location::current()) {
    if (p.is_pending()) detail::fail("af::test::assert_ready", "the poll is pending, expected ready", loc);
    if constexpr (!std::is_void_v<T>) return std::move(p).value();
}

template <class F = void>
class mock_task;

/// A mock task that holds no future: poll the test's own futures with `poll(f)`, or run any
/// poll-like call with `enter(fn)`.
template <>
class mock_task<void> {
public:
    mock_task() = default;
    mock_task(mock_task&&) noexcept = default;
    mock_task& operator=(mock_task&&) noexcept = default;

    /// Runs `fn(cx)` with this task's context and returns what it returns. Counts as a poll: the
    /// "woken since the last poll" window restarts here.
    template <class Fn>
        requires std::invocable<Fn&, af::context&>
    decltype(auto) enter(Fn&& fn) {
        seen_ = wakes_.count();
        ++polls_;
        af::context cx(wakes_.waker());
        return fn(cx);
    }

    /// Polls `f` (a future the caller owns and keeps in place) with this task's waker.
    template <future G>
    af::poll<output_of<G>> poll(G& f) {
        return enter([&](af::context& cx) { return f.poll(cx); });
    }

    /// Wakes received in total, from any waker this task handed out.
    std::size_t wake_count() const noexcept { return wakes_.count(); }
    /// True when a wake arrived since the last poll (or `enter`), including one made during it.
    bool is_woken() const noexcept { return wakes_.count() != seen_; }
    /// Polls and `enter` calls so far.
    std::size_t poll_count() const noexcept { return polls_; }
    /// Clones of this task's waker still held by futures: a leak check for futures that must
    /// drop the waker they registered once they complete or are destroyed.
    std::size_t waker_ref_count() const noexcept { return wakes_.clones_alive(); }
    /// The task's waker (the one every poll passes in `cx.waker()`).
    const af::waker& waker() const noexcept { return wakes_.waker(); }

private:
    wake_counter wakes_;
    std::size_t seen_ = 0;
    std::size_t polls_ = 0;
};

/// A mock task that holds a future `F`, kept in a heap slot so that moving the mock_task never
/// moves the future (a polled future must stay in place).
template <class F>
class mock_task : public mock_task<void> {
    static_assert(future<F>, "af::test::mock_task<F> holds a future: F must satisfy af::future");

public:
    using output = output_of<F>;

    explicit mock_task(F f) : f_(std::make_unique<F>(std::move(f))) {}
    /// Builds the future in place from `make()`, for futures that cannot be moved at all.
    template <class Make>
        requires std::invocable<Make&>
    mock_task(std::in_place_t, Make&& make) : f_(new F(make())) {}

    /// Polls the held future. It must still be held (see `reset`).
    af::poll<output> poll() { return mock_task<void>::poll(*f_); }
    using mock_task<void>::poll;

    /// Runs `fn(cx, future)` (or `fn(cx)`) with this task's context; counts as a poll.
    template <class Fn>
    decltype(auto) enter(Fn&& fn) {
        if constexpr (std::invocable<Fn&, af::context&, F&>) {
            return mock_task<void>::enter([&](af::context& cx) -> decltype(auto) { return fn(cx, *f_); });
        } else {
            return mock_task<void>::enter(fn);
        }
    }

    /// The held future (it must still be held).
    F& get() noexcept { return *f_; }
    bool has_future() const noexcept { return f_ != nullptr; }
    /// Destroys the held future: cancels it, as dropping a task would.
    void reset() noexcept { f_.reset(); }

private:
    std::unique_ptr<F> f_;
};

template <class F>
mock_task(F) -> mock_task<F>;

}  // namespace af::test

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::time::timeout(d, f)` and `timeout_at(t, f)`: run `f`, but give up once a deadline passes.
///
///     auto r = co_await af::time::timeout(50ms, fetch());
///     if (r) use(r.value());          // fetch() finished in time
///     else   log("fetch timed out");  // r.elapsed(); fetch() was destroyed at the deadline
///
/// The output is a `timeout_result<T>`: the inner future's value, or "elapsed". `value()` on an
/// elapsed result throws `af::time::elapsed_error` ("deadline has elapsed"), so
/// `co_await timeout(...)` followed by `.value()` reads as "this must finish in time".
/// `timeout_result<void>` works the same without a value.
///
/// The inner future is polled first, so a future that is ready at the deadline still wins. An
/// exception thrown by the inner future propagates. Needs a runtime with time enabled (see
/// `af::time::sleep`). Choosing among siblings: `af::select(f, af::time::sleep(d))` when you
/// want to keep `f` alive after the deadline.
///
/// Cancellation: the inner future is destroyed (cancelled) as soon as the deadline is seen to
/// have passed, before the result is returned; destroying the timeout destroys the inner future
/// and unregisters the timer.
///
/// Thread safety: polled by one thread at a time, like any future.
#include <optional>     // the inner future (destroyed at the deadline) and the value
#include <type_traits>  // std::remove_cvref_t, std::is_lvalue_reference_v
#include <utility>      // std::move, std::in_place

#include "af/core/detail/trace.hpp"  // trace: a dump shows the inner future
#include "af/core/error.hpp"  // af::error, af::errc::timed_out
#include "af/core/future.hpp"
#include "af/time/sleep.hpp"

namespace af::time {

/// Thrown by `timeout_result::value()` when the deadline elapsed first. An `af::error` whose
/// code is `af::errc::timed_out` (equal to `std::errc::timed_out`).
class elapsed_error : public af::error {
public:
    elapsed_error() : af::error(make_error_code(af::errc::timed_out)) {}
};

/// The inner future's value, or "the deadline elapsed first".
template <class T>
class timeout_result {
public:
    /// An elapsed result.
    timeout_result() = default;
    template <class... A>
    explicit timeout_result(std::in_place_t, A&&... a) : v_(std::in_place, std::forward<A>(a)...) {}

    bool elapsed() const noexcept { return !v_.has_value(); }
    bool has_value() const noexcept { return v_.has_value(); }
    explicit operator bool() const noexcept { return v_.has_value(); }

    /// The value; throws elapsed_error when the deadline elapsed first.
    T& value() & { return check(), *v_; }
    const T& value() const& { return check(), *v_; }
    T&& value() && { return check(), std::move(*v_); }
    T& operator*() & noexcept { return *v_; }
    T* operator->() noexcept { return &*v_; }

private:
    void check() const {
        if (!v_) throw elapsed_error();
    }
    std::optional<T> v_;
};

template <>
class timeout_result<void> {
public:
    timeout_result() = default;
    explicit timeout_result(std::in_place_t) noexcept : done_(true) {}

    bool elapsed() const noexcept { return !done_; }
    bool has_value() const noexcept { return done_; }
    explicit operator bool() const noexcept { return done_; }
    /// Throws elapsed_error when the deadline elapsed first.
    void value() const {
        if (!done_) throw elapsed_error();
    }

private:
    bool done_ = false;
};

template <future F>
class [[nodiscard("a timeout does nothing until it is awaited")]] timeout_future {
public:
    using output = timeout_result<output_of<F>>;

    timeout_future(instant deadline, F f) : inner_(std::in_place, std::move(f)), sleep_(deadline) {}

    af::poll<output> poll(context& cx) {
        if (inner_) {
            auto p = inner_->poll(cx);
            if (p.is_ready()) {
                inner_.reset();
                if constexpr (std::is_void_v<output_of<F>>) {
                    return af::poll<output>(std::in_place, std::in_place);
                } else {
                    return af::poll<output>(std::in_place, std::in_place, std::move(p).value());
                }
            }
        }
        if (sleep_.poll(cx).is_pending()) return pending;
        inner_.reset();  // cancelled at the deadline, before the caller sees the result
        return af::poll<output>(std::in_place);
    }

    /// When the timeout elapses.
    instant deadline() const noexcept { return sleep_.deadline(); }

    /// For task dumps (af/core/detail/trace.hpp): the inner future as branch 0.
    void trace(af::detail::trace_sink& out) const {
        out.on_leaf("af::time::timeout");
        if (inner_) af::detail::trace_branch(0, *inner_, out);
    }

private:
    std::optional<F> inner_;
    sleep_future sleep_;
};

/// Runs `f` until `deadline`.
template <class F>
    requires future<std::remove_cvref_t<F>>
timeout_future<std::remove_cvref_t<F>> timeout_at(instant deadline, F&& f) {
    static_assert(!std::is_lvalue_reference_v<F>,
                  "af::time::timeout_at takes ownership of its future: pass a named future as std::move(x)");
    return timeout_future<std::remove_cvref_t<F>>(deadline, std::remove_cvref_t<F>(std::move(f)));
}

/// Runs `f` for at most `d`, measured from the call.
template <class Rep, class Period, class F>
    requires future<std::remove_cvref_t<F>>
timeout_future<std::remove_cvref_t<F>> timeout(std::chrono::duration<Rep, Period> d, F&& f) {
    static_assert(!std::is_lvalue_reference_v<F>,
                  "af::time::timeout takes ownership of its future: pass a named future as std::move(x)");
    return timeout_at(detail::saturating_add(instant::now(), std::chrono::duration_cast<std::chrono::nanoseconds>(d)),
                      std::move(f));
}

}  // namespace af::time

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::time::instant`: a point on the monotonic clock of the current runtime.
///
/// `instant::now()` reads the clock of the runtime the calling thread runs in, when that runtime
/// has time enabled, so that a paused test clock (`af::time::pause`, `advance`) is what tasks see;
/// elsewhere it reads `std::chrono::steady_clock`. Instants are plain values: add and subtract
/// durations, compare, measure.
///
///     auto start = af::time::instant::now();
///     co_await af::time::sleep(10ms);
///     assert(start.elapsed() >= 10ms);
///
/// Thread safety: a value type; `now()` may be called from any thread.
#include <chrono>  // std::chrono::steady_clock, durations
#include <compare>  // operator<=>

namespace af::time {

class instant {
public:
    using clock = std::chrono::steady_clock;
    using duration = clock::duration;

    /// The clock's epoch; use `now()` for the current time.
    constexpr instant() noexcept = default;
    constexpr explicit instant(clock::time_point t) noexcept : t_(t) {}

    /// The current runtime's clock (paused or not) inside a runtime with time enabled,
    /// otherwise `steady_clock::now()`.
    static instant now() noexcept;

    /// The wrapped `steady_clock` time point.
    constexpr clock::time_point time_point() const noexcept { return t_; }

    /// `*this - earlier`, or zero when `earlier` is later (never negative).
    constexpr duration duration_since(instant earlier) const noexcept {
        return t_ > earlier.t_ ? t_ - earlier.t_ : duration::zero();
    }
    /// Time since this instant, by `now()`; zero for an instant in the future.
    duration elapsed() const noexcept { return now().duration_since(*this); }

    template <class Rep, class Period>
    constexpr instant& operator+=(std::chrono::duration<Rep, Period> d) noexcept {
        t_ += std::chrono::duration_cast<duration>(d);
        return *this;
    }
    template <class Rep, class Period>
    constexpr instant& operator-=(std::chrono::duration<Rep, Period> d) noexcept {
        t_ -= std::chrono::duration_cast<duration>(d);
        return *this;
    }
    template <class Rep, class Period>
    friend constexpr instant operator+(instant a, std::chrono::duration<Rep, Period> d) noexcept {
        return a += d;
    }
    template <class Rep, class Period>
    friend constexpr instant operator+(std::chrono::duration<Rep, Period> d, instant a) noexcept {
        return a += d;
    }
    template <class Rep, class Period>
    friend constexpr instant operator-(instant a, std::chrono::duration<Rep, Period> d) noexcept {
        return a -= d;
    }
    /// The signed distance between two instants (see `duration_since` for a saturating one).
    friend constexpr duration operator-(instant a, instant b) noexcept { return a.t_ - b.t_; }

    friend constexpr bool operator==(instant, instant) noexcept = default;
    friend constexpr auto operator<=>(instant, instant) noexcept = default;

private:
    clock::time_point t_{};
};

}  // namespace af::time

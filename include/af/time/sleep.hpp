// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::time::sleep(d)` and `sleep_until(t)`: futures that become ready once the runtime's clock
/// reaches a deadline.
///
///     co_await af::time::sleep(100ms);
///     co_await af::time::sleep_until(start + 1s);
///
/// Choosing among siblings: `af::time::timeout` bounds another future by a deadline;
/// `af::time::interval` ticks periodically without drifting. To wait for something else *or* a
/// time, `af::select(work, af::time::sleep(d))` works too.
///
/// A sleep binds to the time driver of the runtime current where it is made (a task, a thread
/// in block_on, or one that entered the runtime with `handle::enter`); one made outside any
/// runtime (`rt.block_on(af::time::sleep(1s))`) binds at its first poll instead, which throws
/// std::logic_error, naming the fix, when the polling thread is not inside a runtime with time
/// enabled. A bound sleep must not outlive its runtime's drop (its driver goes with it). Deadlines round up to the driver's 1 ms tick: a sleep never ends early. Its timer
/// lives inside the future (64 bytes, no allocation), registered at the first poll that finds
/// the deadline in the future.
///
/// Cancellation: destroying a pending sleep unregisters its timer; nothing else is lost.
///
/// Thread safety: a sleep is polled by one thread at a time (it may move between threads
/// between polls); it is fired from whichever thread runs the driver.
#include <chrono>  // durations

#include "af/core/context.hpp"
#include "af/core/poll.hpp"
#include "af/time/detail/driver.hpp"
#include "af/time/instant.hpp"

namespace af::time {

class [[nodiscard("a sleep does nothing until it is awaited")]] sleep_future {
public:
    using output = void;

    /// Binds to the current runtime's time driver, if any (see the file comment).
    explicit sleep_future(instant deadline) noexcept;
    /// Only before the first poll (futures do not move once polled).
    sleep_future(sleep_future&& o) noexcept;
    sleep_future& operator=(sleep_future&&) = delete;
    ~sleep_future();

    af::poll<void> poll(context& cx);

    /// When the sleep ends.
    instant deadline() const noexcept { return deadline_; }
    /// True once the driver has fired this sleep's timer (or a poll found the deadline passed).
    bool is_elapsed() const noexcept;
    /// Moves the deadline, whether the sleep is pending, has elapsed, or was never polled; a
    /// task waiting on it is woken at the new deadline (it keeps its waker).
    void reset(instant deadline);

private:
    detail::timer_entry entry_;
    detail::time_driver* driver_;  // the current one when made, else found at the first poll
    instant deadline_;
};

/// A future that is ready once `now() >= deadline`.
inline sleep_future sleep_until(instant deadline) noexcept { return sleep_future(deadline); }

namespace detail {
/// `now + d`, saturating at the clock's maximum (so `sleep(duration::max())` means "forever").
inline instant saturating_add(instant now, std::chrono::nanoseconds d) noexcept {
    const auto room = instant::clock::time_point::max() - now.time_point();
    if (d >= room) return instant(instant::clock::time_point::max());
    return now + d;
}
}  // namespace detail

/// A future that is ready once `d` has passed, measured from the call (not from the first poll).
template <class Rep, class Period>
sleep_future sleep(std::chrono::duration<Rep, Period> d) noexcept {
    return sleep_future(detail::saturating_add(instant::now(), std::chrono::duration_cast<std::chrono::nanoseconds>(d)));
}

}  // namespace af::time

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::time::detail::time_driver`: the clock and the timers of one runtime.
///
/// The runtime owns one driver, publishes it in `af::rt::detail::current().time`, and drives it:
/// it parks its thread until `next_deadline()`, calls `fire_due()` when it wakes, and is unparked
/// by the `set_on_earlier_deadline` callback when a new timer is due sooner than the deadline it
/// sleeps towards. With a paused clock, it moves time itself (`advance(next_deadline() - now())`)
/// once every task is idle. Sleeps register in it at their first poll.
///
///     af::time::detail::time_driver drv;
///     drv.pause();
///     af::rt::detail::context_scope scope({nullptr, &drv, nullptr});
///     auto s = af::time::sleep(5ms);   // registers at its first poll
///     ...
///     drv.advance(5ms);                // fires it: its waker is woken
///
/// Timers are entries of a hierarchical timing wheel (detail/wheel.hpp) with 1 ms ticks;
/// deadlines round up to the next tick, so a timer never fires early. One mutex guards the
/// wheel; wakers are woken and dropped outside it.
///
/// Thread safety: every member may be called from any thread. The driver must outlive every
/// timer registered in it (the runtime destroys its tasks first).
#include <atomic>    // the clock and the cached next deadline, read without the lock
#include <chrono>    // durations
#include <cstddef>   // std::size_t
#include <cstdint>   // ticks
#include <mutex>     // guards the wheel
#include <optional>  // next_deadline

#include "af/core/waker.hpp"
#include "af/time/detail/wheel.hpp"
#include "af/time/instant.hpp"

namespace af::time::detail {

class time_driver {
public:
    /// Length of one wheel tick: the resolution of timers.
    static constexpr std::chrono::milliseconds tick{1};

    time_driver();
    time_driver(const time_driver&) = delete;
    time_driver& operator=(const time_driver&) = delete;
    ~time_driver();

    // --- clock ------------------------------------------------------------------------------

    /// The driver's time: `steady_clock` while running; frozen while paused.
    instant now() const noexcept;
    /// Freezes the clock. It is rounded up to a whole tick since the driver's origin, so that a
    /// sleep of whole milliseconds started while paused fires exactly when advanced by its length.
    /// No-op when already paused.
    void pause();
    /// Lets the clock run again from where it stands (it never jumps back or forward).
    void resume();
    bool is_paused() const noexcept;
    /// Moves a paused clock forward by `d` and fires the timers now due (their wakers are woken
    /// before it returns). Throws std::logic_error when the clock is not paused or `d < 0`.
    void advance(std::chrono::nanoseconds d);

    // --- timers, as seen by the runtime ---------------------------------------------------

    /// No later than the earliest pending deadline (nullopt when no timer is pending): the time
    /// to sleep until. For a timer 64 ms or more away it may be earlier (the start of the wheel
    /// slot the timer waits in); `fire_due` at that time fires nothing and refines it. After
    /// `fire_due()` it is either nullopt or later than the `now()` that call used. Lock-free.
    std::optional<instant> next_deadline() const noexcept;
    /// Fires every timer whose (rounded-up) deadline is <= `now()`: marks it fired and wakes its
    /// waker outside the lock. Returns how many fired.
    std::size_t fire_due();
    /// `fn(arg)` is called (outside the lock, on the inserting thread) whenever a new timer makes
    /// `next_deadline()` earlier. Set it before any timer is registered.
    void set_on_earlier_deadline(void (*fn)(void*), void* arg);
    /// Registered timers (not yet fired, not cancelled).
    std::size_t pending() const;

    // --- timers, as seen by the futures that own them ---------------------------------------

    /// Registers `e` (idle) with `deadline`, keeping a clone of `w`.
    void register_timer(timer_entry& e, instant deadline, const af::waker& w);
    /// Replaces `e`'s waker by `w` unless they wake the same task. False when `e` has fired.
    bool update_waker(timer_entry& e, const af::waker& w);
    /// Unregisters `e` if it is registered (idle and fired entries are left as they are).
    /// Race-free against a concurrent `fire_due`: afterwards the driver no longer touches `e`.
    void cancel(timer_entry& e) noexcept;
    /// Moves a registered `e` to `deadline`, keeping its waker; a fired or idle `e` becomes idle.
    /// A registered `e` whose new deadline is already due (`<= now()`) fires at once.
    void reset_timer(timer_entry& e, instant deadline);

    /// The instant of tick 0.
    instant origin() const noexcept { return origin_; }

private:
    std::uint64_t tick_floor(instant t) const noexcept;
    std::uint64_t tick_ceil(instant t) const noexcept;
    void insert_locked(timer_entry& e, std::uint64_t deadline, bool& earlier) noexcept;

    static constexpr std::int64_t running = INT64_MIN;

    const instant origin_;
    // Nanoseconds since origin_ while paused, `running` otherwise.
    std::atomic<std::int64_t> frozen_{running};
    // Added to steady_clock while running: non-zero once the clock was paused and resumed.
    std::atomic<std::int64_t> offset_{0};
    // wheel_.next_expiration() or an earlier deadline just inserted; UINT64_MAX when empty.
    std::atomic<std::uint64_t> next_tick_{UINT64_MAX};

    mutable std::mutex m_;
    timer_wheel wheel_;                      // guarded by m_
    void (*on_earlier_)(void*) = nullptr;    // guarded by m_
    void* on_earlier_arg_ = nullptr;         // guarded by m_
};

}  // namespace af::time::detail

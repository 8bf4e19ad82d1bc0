// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::time::interval(period)` and `interval_at(start, period)`: ticks at a fixed rate.
///
///     auto iv = af::time::interval(100ms);
///     for (;;) {
///         af::time::instant t = co_await iv.tick();   // the first tick is immediate
///         refresh(t);
///     }
///
/// Ticks are scheduled from the start, not from when the previous tick was taken, so the rate
/// does not drift with the work done between ticks. When the task falls behind by a whole
/// period or more (it took a tick at least one period late), `missed_tick_behavior` decides:
/// - `burst` (default): the missed ticks are delivered at once, until the schedule is caught up;
/// - `delay`: the schedule restarts one period after the late tick was taken;
/// - `skip`: the missed ticks are dropped; the next tick is the next one on the original grid.
///
/// A tick's value is the instant it was scheduled for (not when it was taken). An interval is
/// also an `af::stream` of those instants that never ends (`co_await af::next(iv)`).
///
/// Choosing among siblings: `af::time::sleep` for a single delay. Needs a runtime with time
/// enabled (see `af::time::sleep`).
///
/// Cancellation: dropping a `tick()` future loses nothing (the tick stays due and the next
/// `tick()` returns it); dropping the interval unregisters its timer.
///
/// Thread safety: used by one task at a time, like any future.
#include <chrono>    // durations
#include <optional>  // stream items

#include "af/core/context.hpp"
#include "af/core/poll.hpp"
#include "af/time/instant.hpp"
#include "af/time/sleep.hpp"

namespace af::time {

enum class missed_tick_behavior { burst, delay, skip };

class interval_timer;

/// The future of one tick; see `interval_timer::tick`.
class [[nodiscard("a tick does nothing until it is awaited")]] tick_future {
public:
    using output = instant;
    explicit tick_future(interval_timer& iv) noexcept : iv_(&iv) {}
    af::poll<instant> poll(context& cx);

private:
    interval_timer* iv_;
};

/// Made by `af::time::interval` / `interval_at`.
class [[nodiscard("an interval does nothing until its ticks are awaited")]] interval_timer {
public:
    using item = instant;

    /// The first tick is due at `start`; the period must be positive (std::invalid_argument).
    interval_timer(instant start, std::chrono::nanoseconds period);
    interval_timer(interval_timer&&) noexcept = default;  // only before the first poll

    /// The next tick: ready with its scheduled instant once it is due.
    tick_future tick() noexcept { return tick_future(*this); }
    /// The same as polling `tick()`.
    af::poll<instant> poll_tick(context& cx);
    /// Stream interface: an interval never ends.
    af::poll<std::optional<instant>> poll_next(context& cx);

    missed_tick_behavior get_missed_tick_behavior() const noexcept { return behavior_; }
    void set_missed_tick_behavior(missed_tick_behavior b) noexcept { behavior_ = b; }
    std::chrono::nanoseconds period() const noexcept { return period_; }
    /// When the next tick is due.
    instant next_tick() const noexcept { return sleep_.deadline(); }
    /// Restarts the schedule: the next tick is one period from now.
    void reset();

private:
    sleep_future sleep_;
    std::chrono::nanoseconds period_;
    missed_tick_behavior behavior_ = missed_tick_behavior::burst;
};

inline af::poll<instant> tick_future::poll(context& cx) { return iv_->poll_tick(cx); }

/// Ticks at `start`, `start + period`, ...
inline interval_timer interval_at(instant start, std::chrono::nanoseconds period) {
    return interval_timer(start, period);
}
/// Ticks now, then every `period`.
inline interval_timer interval(std::chrono::nanoseconds period) {
    return interval_timer(instant::now(), period);
}

}  // namespace af::time

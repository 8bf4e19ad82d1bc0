// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The test clock: `af::time::pause()`, `resume()` and `advance(d)` control the clock of the
/// current runtime, so that tests of timeouts and intervals run instantly and deterministically.
///
///     af::time::pause();
///     auto s = af::time::sleep(1h);
///     co_await af::time::advance(1h);   // s is now ready; no hour passed
///
/// While paused, `instant::now()` stands still; only `advance` moves it (and the runtime's
/// auto-advance, which jumps to the next timer when every task is idle). Pausing rounds the
/// clock up to a whole millisecond, so a sleep of whole milliseconds fires exactly when the
/// clock is advanced by its length.
///
/// All three throw std::logic_error when the calling thread is not inside a runtime with time
/// enabled; `advance` also when the clock is not paused.
///
/// Thread safety: they act on the runtime's clock, shared by all its threads.
#include <chrono>  // durations

#include "af/core/context.hpp"
#include "af/core/poll.hpp"

namespace af::time {

/// Freezes the current runtime's clock. No-op when already paused.
void pause();
/// Lets the current runtime's clock run again, from where it stands.
void resume();

/// The future of `advance(d)`.
class [[nodiscard("advance does nothing until it is awaited")]] advance_future {
public:
    using output = void;
    explicit advance_future(std::chrono::nanoseconds d) noexcept : d_(d) {}
    af::poll<void> poll(context& cx);

private:
    std::chrono::nanoseconds d_;
    bool advanced_ = false;
};

/// A future that, at its first poll, moves the paused clock forward by `d` and fires every timer
/// now due (their tasks are woken), then yields once so that the woken tasks run before the
/// caller continues (on a single-threaded executor they are queued ahead of it).
///
/// Cancellation: once polled, the clock has moved; dropping the future then only skips the yield.
template <class Rep, class Period>
advance_future advance(std::chrono::duration<Rep, Period> d) noexcept {
    return advance_future(std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}

}  // namespace af::time

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Time (namespace `af::time`): sleeping, deadlines and periodic ticks, driven by the clock of
/// the runtime the task runs in. Not part of `af/af.hpp`: include this header (or one part).
///
/// - `instant`: a point on the runtime's clock (`instant::now()`).
/// - `sleep(d)`, `sleep_until(t)`: wait for a duration or until an instant.
/// - `timeout(d, f)`, `timeout_at(t, f)`: run a future with a deadline; the result says which won.
/// - `interval(period)`, `interval_at(start, period)`: periodic ticks, also a stream.
/// - `pause()`, `resume()`, `advance(d)`: the test clock.
///
///     co_await af::time::sleep(10ms);
///     auto r = co_await af::time::timeout(1s, fetch());
///     if (r.elapsed()) retry();
///
/// Timers need a runtime with time enabled: a sleep polled elsewhere throws std::logic_error.
/// Book: "Time" (docs/book/time.md).
#include "af/time/instant.hpp"   // instant
#include "af/time/sleep.hpp"     // sleep, sleep_until, sleep_future
#include "af/time/timeout.hpp"   // timeout, timeout_at, timeout_result, elapsed_error
#include "af/time/interval.hpp"  // interval, interval_at, interval_timer, missed_tick_behavior
#include "af/time/clock.hpp"     // pause, resume, advance

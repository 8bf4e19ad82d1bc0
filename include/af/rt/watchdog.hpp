// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::rt::blocking_report`: what the blocking watchdog says about a task that held a worker.
///
/// A task that calls a blocking function (a mutex held for long, `sleep_for`, a synchronous
/// read) keeps its worker from running anything else. The watchdog, one thread per runtime, on
/// by default when af is built without NDEBUG (threshold 100 ms), notices a poll that has lasted
/// longer than the threshold and reports it once, to stderr unless a hook is given:
///
///     af::rt::builder()
///         .blocking_watchdog(50ms)
///         .on_blocking([](const af::rt::blocking_report& r) { log(to_string(r)); })
///         .build();
///
/// The running task's await chain is not in the report: its frames are being executed, and
/// reading them would race with the worker. af records no spawn site either; the task's address
/// is the one `dump_tasks()` prints, so a dump taken while it blocks (see `dump_on_signal`)
/// shows its state, and a dump after it yields shows where it waits next.
#include <chrono>   // the duration
#include <cstddef>  // std::size_t
#include <string>   // to_string

namespace af::rt {

struct blocking_report {
    std::size_t worker = 0;                ///< the worker's index (0 for current_thread)
    std::chrono::nanoseconds duration{};   ///< how long the poll had run when seen: at least this
    std::chrono::nanoseconds threshold{};  ///< the watchdog's threshold
    const void* task = nullptr;            ///< the task's address as in dump_tasks; null: block_on's future
};

/// A one-paragraph rendering of `r`, what the default hook prints.
std::string to_string(const blocking_report& r);

}  // namespace af::rt

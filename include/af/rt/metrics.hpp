// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::rt::runtime_metrics`: a snapshot of what a runtime is doing.
///
///     af::rt::runtime_metrics m = af::rt::metrics();   // inside a runtime
///     std::printf("%zu tasks on %zu workers, %llu steals\n", m.tasks_alive, m.workers,
///                 static_cast<unsigned long long>(m.steals));
///
/// Counters are read with relaxed loads while workers run, so a snapshot is a consistent
/// picture of each number, not of all of them at one instant. Counting costs one relaxed
/// increment of a worker-owned counter per event: it is always on.
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint64_t
#include <vector>   // per-worker queue depths

namespace af::rt {

struct runtime_metrics {
    std::size_t workers = 0;           ///< scheduler threads (0 for current_thread: the caller runs it)
    std::size_t tasks_alive = 0;       ///< spawned tasks not yet completed or cancelled
    std::size_t global_queue_depth = 0;  ///< tasks in the injection queue
    std::vector<std::size_t> local_queue_depths;  ///< per worker (one entry for current_thread)
    std::uint64_t tasks_spawned = 0;   ///< since the runtime started
    std::uint64_t polls = 0;           ///< task polls (counted as each poll starts)
    std::uint64_t steals = 0;          ///< successful steal operations (multi_thread)
    std::uint64_t stolen_tasks = 0;    ///< tasks moved by those steals
    std::uint64_t parks = 0;           ///< times a worker went to sleep
    std::uint64_t budget_yields = 0;   ///< polls that ended because the task spent its budget
    std::size_t blocking_threads = 0;  ///< threads of the blocking pool
    std::size_t blocking_idle_threads = 0;
    std::size_t blocking_queue_depth = 0;
    std::size_t timers_pending = 0;    ///< registered timers (0 when time is disabled)
};

/// A snapshot of the runtime the calling thread runs in. Throws std::logic_error outside one.
runtime_metrics metrics();

}  // namespace af::rt

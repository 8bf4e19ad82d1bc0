// SPDX-License-Identifier: MIT
#pragma once
// The single-threaded scheduler: the current_thread flavor uses one, thread_per_core one per
// worker thread.
//
// Queues. `local_` is touched only by the thread driving the core (`current_ct == this`), so a
// task woken or spawned by another task of the same core is queued without a lock. Wakes and
// spawns from other threads go through `inject_` and unpark the driver.
//
// Seeded mode (rng_seed): the next task is drawn at random from the local queue with a
// generator seeded from the builder, so the order of ready tasks is shuffled but the same for
// the same seed. Remote wakes (other threads) are inherently unordered; a deterministic test
// keeps everything on the core's thread, with a paused clock.
#include <cstdint>
#include <deque>

#include "internal.hpp"

namespace af::rt::detail {

class ct_core final : public af::detail::scheduler {
public:
    ct_core(const config& c, runtime_core* rt, af::time::detail::time_driver* time, blocking_pool* blocking,
            reactor* io);

    void schedule(task_header* t) noexcept override;
    void adopt(task_header* t) noexcept override;
    void disown(task_header* t) noexcept override;

    /// Runs tasks on the calling thread until `main` finishes (main may be null: then until
    /// `stop()`). `main_poll` as in runtime_core::drive.
    void drive(void* main, bool (*main_poll)(void*, context&) noexcept);
    /// Makes a `drive` without a main future return (thread_per_core shutdown).
    void stop() noexcept;
    /// Closes the core and cancels every task; call once no thread drives it.
    void close() noexcept;

    /// True when the calling thread is driving this core.
    bool is_current() const noexcept;
    /// The core the calling thread drives, if any.
    static ct_core* current() noexcept;

    void add_metrics(runtime_metrics& m) const;
    void dump(std::vector<task_dump>& out) { owned_.for_each([&](task_header* t) { dump_task(t, out); }); }
    driver& parker() noexcept { return driver_; }

private:
    task_header* next_task();
    void run_task(task_header* t);
    bool drain_inject();
    void unpark_main() noexcept;
    friend struct ct_main_waker;

    config cfg_;  // a copy: tasks may keep this core alive after the runtime is gone
    runtime_context ctx_;
    driver driver_;
    std::deque<task_header*> local_;
    inject_queue inject_;
    owned_tasks owned_;
    std::uint64_t rng_state_ = 0;
    bool seeded_ = false;
    std::atomic<bool> main_woken_{false};  // by another thread
    bool main_self_woken_ = false;         // by the driving thread (only it touches this)
    std::atomic<bool> stop_{false};
    blocking_pool* blocking_;
    std::size_t tick_ = 0;

    // Metrics: written by the driving thread only, read relaxed by snapshots.
    std::atomic<std::uint64_t> polls_{0};
    std::atomic<std::uint64_t> spawned_{0};
    std::atomic<std::uint64_t> parks_{0};
    std::atomic<std::uint64_t> budget_yields_{0};
    std::atomic<std::size_t> local_depth_{0};
};

}  // namespace af::rt::detail

// SPDX-License-Identifier: MIT
#pragma once
// The type-erased runtime behind af::rt::runtime and af::rt::handle. Each flavor
// (current_thread, multi_thread, thread_per_core) implements it in src/rt/; the public headers
// only need these few entry points, so that scheduler code never reaches users' builds.
#include <atomic>   // reference count
#include <chrono>   // shutdown timeout
#include <cstddef>  // std::size_t
#include <vector>   // dumps

#include "af/core/context.hpp"
#include "af/executor/detail/spawned_task.hpp"
#include "af/rt/detail/context.hpp"
#include "af/rt/dump_tasks.hpp"
#include "af/rt/metrics.hpp"

namespace af::rt::detail {

class runtime_core {
public:
    runtime_core(const runtime_core&) = delete;
    runtime_core& operator=(const runtime_core&) = delete;

    /// Where a spawn from the calling thread goes (its own worker when it is one).
    virtual af::detail::scheduler& spawn_target() noexcept = 0;
    /// The current-thread scheduler the calling thread drives, or null (spawn_local).
    virtual af::detail::scheduler* local_target() noexcept = 0;
    /// Runs the erased future `f` to completion on the calling thread (block_on). `poll`
    /// returns true when `f` finished; it never throws (the caller stores any exception).
    virtual void drive(void* f, bool (*poll)(void* f, context& cx) noexcept) = 0;
    /// Cancels every task and stops the threads; waits at most `timeout` for blocking jobs.
    virtual void shutdown(std::chrono::nanoseconds timeout) noexcept = 0;
    virtual runtime_metrics metrics() const = 0;
    virtual std::vector<task_dump> dump() = 0;

    /// What a thread outside the runtime gets while it blocks on it or has entered it
    /// (handle::enter): the runtime's time driver, reactor and blocking pool, as block_on
    /// installs them. Set once by the runtime's services, before any handle exists.
    const runtime_context& entry_context() const noexcept { return entry_; }
    void set_entry_context(const runtime_context& c) noexcept { entry_ = c; }

    void retain() noexcept {
        // Relaxed: a new reference is made from an existing one.
        refs_.fetch_add(1, std::memory_order_relaxed);
    }
    void release() noexcept {
        // AcqRel: the last release must see every write made through the other references.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

protected:
    runtime_core() noexcept = default;
    virtual ~runtime_core() = default;

private:
    std::atomic<std::size_t> refs_{1};
    runtime_context entry_;
};

/// The runtime of the calling thread; throws std::logic_error naming `what` outside one.
runtime_core& require_runtime(const char* what);

}  // namespace af::rt::detail

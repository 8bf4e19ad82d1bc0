// SPDX-License-Identifier: MIT
#pragma once
// The runtime's pool of threads for blocking work (`af::rt::spawn_blocking`).
//
// A job is a spawned task (detail::spawned_task) whose future calls the function on its first
// poll and is ready: the join handle, abort, exceptions, detach and the unhandled-exception
// hook behave exactly as for any other task, and the pool is the task's scheduler. Threads are
// started on demand (a job is queued and no thread is idle) up to `max_threads`; a thread that
// stays idle for `keep_alive` exits. See src/rt/blocking_pool.cpp for the protocol.
//
// `in_flight()` counts jobs whose function has not returned (queued, or running): the runtime
// keeps a paused clock from auto-advancing while it is non-zero, since a blocking job may be
// about to wake a task. It drops before the job's handle is woken (the job future's destructor
// decrements it), so a task resumed by a finished job never sees its own job still counted.
#include <atomic>       // in-flight counter
#include <chrono>       // keep-alive and shutdown timeout
#include <cstddef>      // std::size_t
#include <functional>   // std::invoke
#include <type_traits>  // std::invoke_result_t, std::decay_t
#include <utility>      // std::move, std::forward, std::exchange

#include "af/executor/join_handle.hpp"
#include "af/executor/spawn.hpp"
#include "af/rt/detail/context.hpp"
#include "af/rt/detail/thread_config.hpp"

namespace af::rt::detail {

/// The output of `spawn_blocking(fn)`: what `std::move(fn)()` returns.
template <class Fn>
using blocking_output_t = std::invoke_result_t<std::decay_t<Fn>&&>;

/// The future of one blocking job: calls the function on its first poll. Keeps `in_flight`
/// raised for as long as it exists (it is destroyed when the function returned, or when the
/// job is cancelled before it started).
template <class Fn>
class [[nodiscard("a blocking job does nothing until a pool thread polls it")]] blocking_job {
public:
    using output = std::invoke_result_t<Fn&&>;
    static_assert(!std::is_reference_v<output>,
                  "af::rt::spawn_blocking: the function must return a value or void, not a reference");

    template <class G>
    blocking_job(G&& fn, std::atomic<std::size_t>* in_flight) : fn_(std::forward<G>(fn)), in_flight_(in_flight) {
        // Relaxed: the spawn that follows (under the pool's lock) publishes the job anyway;
        // readers only need an eventually exact count.
        in_flight_->fetch_add(1, std::memory_order_relaxed);
    }
    blocking_job(blocking_job&& o) noexcept(std::is_nothrow_move_constructible_v<Fn>)
        : fn_(std::move(o.fn_)), in_flight_(std::exchange(o.in_flight_, nullptr)) {}
    blocking_job& operator=(blocking_job&&) = delete;
    ~blocking_job() {
        // Release: the job's effects happen before a reader that acquires the lower count.
        if (in_flight_ != nullptr) in_flight_->fetch_sub(1, std::memory_order_release);
    }

    af::poll<output> poll(context&) {
        if constexpr (std::is_void_v<output>) {
            std::invoke(std::move(fn_));
            return {};
        } else {
            return af::poll<output>(std::in_place, std::invoke(std::move(fn_)));
        }
    }

private:
    Fn fn_;
    std::atomic<std::size_t>* in_flight_;
};

class blocking_core;

/// Owns the pool's shared state (`blocking_core`, reference-counted: tasks and threads that
/// outlive the pool keep it alive). `spawn` and the metrics may be called from any thread,
/// including the pool's own jobs; `shutdown` from any thread but the pool's own (it would wait
/// for itself: that aborts with a message); the destructor once nothing else uses the pool.
class blocking_pool {
public:
    static constexpr std::chrono::nanoseconds default_keep_alive = std::chrono::seconds(10);
    /// Waits for ever.
    static constexpr std::chrono::nanoseconds no_timeout = std::chrono::nanoseconds::max();

    /// Starts no thread yet. `ctx` is installed on every pool thread (a null `ctx.blocking`
    /// becomes this pool). Throws std::invalid_argument when `max_threads` is zero.
    blocking_pool(std::size_t max_threads, std::chrono::nanoseconds keep_alive, thread_config cfg,
                  runtime_context ctx);
    blocking_pool(const blocking_pool&) = delete;
    blocking_pool& operator=(const blocking_pool&) = delete;
    /// `shutdown(no_timeout)`.
    ~blocking_pool();

    /// Queues `fn` to run on a pool thread and returns the handle of its output. After
    /// `shutdown` the handle's task is already cancelled (awaiting it throws
    /// af::cancelled_error).
    template <class Fn>
    af::join_handle<blocking_output_t<Fn>> spawn(Fn&& fn) {
        return af::detail::spawn_on(*sched_, blocking_job<std::decay_t<Fn>>(std::forward<Fn>(fn), in_flight_));
    }

    /// Stops accepting jobs, cancels the queued ones (their handles throw af::cancelled_error),
    /// waits up to `timeout` for the running ones, then detaches the threads still running:
    /// they finish their job and exit on their own. Idempotent; a later call waits only for
    /// threads not yet detached. Not from a pool thread (it would wait for itself).
    void shutdown(std::chrono::nanoseconds timeout);

    std::size_t max_threads() const noexcept { return max_threads_; }
    /// Live threads (idle or running a job).
    std::size_t threads() const noexcept;
    /// Threads waiting for a job.
    std::size_t idle_threads() const noexcept;
    /// Jobs waiting for a thread (including aborted ones not yet dropped).
    std::size_t queued() const noexcept;
    /// Jobs whose function has not returned and that were not cancelled: queued + running.
    std::size_t in_flight() const noexcept {
        // Acquire: pairs with the job's release, so its effects are visible once it is gone.
        return in_flight_->load(std::memory_order_acquire);
    }

private:
    blocking_core* core_;
    af::detail::scheduler* sched_;  // core_, as the tasks' scheduler
    std::atomic<std::size_t>* in_flight_;  // inside core_
    std::size_t max_threads_;
};

}  // namespace af::rt::detail

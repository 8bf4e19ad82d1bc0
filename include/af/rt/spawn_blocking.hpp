// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::rt::spawn_blocking(fn)`: run a blocking function on the runtime's blocking pool and
/// await its result.
///
/// A runtime worker polls many tasks; a task that blocks its thread (a blocking syscall such as
/// a file read or `getaddrinfo`, a C library without an async API, a long computation) stalls
/// every task queued behind it. Hand such work to `spawn_blocking`: it runs `fn` on a separate
/// pool of threads and gives back an `af::join_handle` that the task awaits without blocking.
///
///     af::task<std::string> load(std::string path) {
///         co_return co_await af::rt::spawn_blocking([path] { return read_whole_file(path); });
///     }
///
/// Choosing: for work that waits on I/O af can drive (sockets, timers), use the async APIs
/// instead; a blocking thread costs far more than a task. For a long CPU-bound computation that
/// runs for the whole program, a dedicated std::thread (or a thread_pool) avoids occupying a
/// blocking-pool slot for ever.
///
/// The pool: threads start on demand, up to the runtime's cap (`af::rt::builder`'s
/// max_blocking_threads); beyond it, jobs queue in FIFO order. A thread idle for the keep-alive
/// (10 s by default) exits. Exceptions thrown by `fn` are rethrown by the handle; with a
/// dropped (detached) handle they go to af::executor::set_unhandled_exception_handler.
///
/// Cancellation: `handle.abort()` before `fn` has started removes it (the handle throws
/// af::cancelled_error); once `fn` runs it cannot be interrupted: it runs to the end and its
/// result is kept (abort then has no effect). Dropping the handle detaches the job; it still
/// runs. At runtime shutdown, queued jobs are cancelled and running ones are waited for (up to
/// the shutdown timeout, after which their threads are left to finish alone; such a job must
/// not use the runtime any more).
///
/// Resumes on: the job's thread wakes the awaiting task; the task resumes on its runtime's
/// workers as usual. `fn` itself runs on a pool thread, inside the runtime's context
/// (af::time and af::rt functions work there), outside any task.
///
/// Thread safety: any thread inside the runtime (a task, a worker, a blocking job, a thread in
/// block_on or one that entered it with `handle::enter`). `fn` is moved to another thread, so
/// what it captures must be safe to use there.
#include <concepts>     // std::invocable, std::move_constructible
#include <type_traits>  // std::decay_t
#include <utility>      // std::forward

#include "af/rt/detail/blocking_pool.hpp"
#include "af/rt/detail/context.hpp"

namespace af::rt {

/// Runs `std::move(fn)()` on the current runtime's blocking pool; see the file comment. Throws
/// std::logic_error outside a runtime.
template <class Fn>
    requires std::invocable<std::decay_t<Fn>&&> && std::move_constructible<std::decay_t<Fn>>
af::join_handle<detail::blocking_output_t<Fn>> spawn_blocking(Fn&& fn) {
    detail::blocking_pool* pool = detail::current().blocking;
    if (pool == nullptr) detail::throw_outside_runtime("af::rt::spawn_blocking");
    return pool->spawn(std::forward<Fn>(fn));
}

}  // namespace af::rt

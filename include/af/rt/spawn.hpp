// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Spawning from inside a runtime: `af::rt::spawn`, `af::rt::spawn_local`, `af::rt::yield_now`.
///
///     af::task<void> serve(request r);
///     af::task<void> accept_loop(listener& l) {
///         for (;;) {
///             request r = co_await l.next();
///             af::rt::spawn(serve(std::move(r)));   // detached: runs on its own
///         }
///     }
///
/// `spawn` starts a task on the runtime the calling thread runs in and returns its
/// `af::join_handle` (await it for the output; `abort()` cancels the task at its next
/// suspension point; dropping the handle detaches the task). `spawn_local` keeps the task on
/// the calling worker thread forever; it needs a current_thread or thread_per_core runtime.
/// Both throw std::logic_error when the thread is not in a suitable runtime. To spawn onto a
/// runtime given explicitly (a library told where to run), use `af::rt::handle::spawn` or an
/// `af::any_spawner` (af/executor/spawner.hpp).
#include <utility>  // std::forward

#include "af/executor/join_handle.hpp"
#include "af/executor/spawn.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/detail/runtime_core.hpp"

namespace af::rt {

namespace detail {
/// The calling thread's current-thread scheduler; std::logic_error when there is none.
af::detail::scheduler& require_local_scheduler();
}  // namespace detail

/// Starts `f` (a future, or a callable returning one) on the current runtime.
/// Thread safety: any thread inside a runtime (a worker, a blocking job, a thread in block_on,
/// or one that entered the runtime with handle::enter).
template <executor::spawnable F>
join_handle<executor::spawn_output_t<F>> spawn(F&& f) {
    return af::detail::spawn_on(detail::require_runtime("af::rt::spawn").spawn_target(), std::forward<F>(f));
}

/// Starts `f` on the calling thread's worker, which alone will ever poll it: the future needs
/// no thread safety. Needs a current_thread or thread_per_core runtime.
template <executor::spawnable F>
join_handle<executor::spawn_output_t<F>> spawn_local(F&& f) {
    return af::detail::spawn_on(detail::require_local_scheduler(), std::forward<F>(f));
}

/// Lets other tasks run: the task goes to the back of its worker's queue.
using af::yield_now;

}  // namespace af::rt

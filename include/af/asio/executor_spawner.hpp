// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::asio::executor_spawner`: runs af tasks on an Asio executor (an io_context, a strand),
/// so af tasks and Asio handlers share the same threads without a second event loop.
///
///     boost::asio::io_context ioc;
///     af::asio::executor_spawner sp(ioc.get_executor());
///     auto h = sp.spawn(session(std::move(socket)));   // an af::task using af::asio::use_future
///     ioc.run();                                          // runs Asio handlers and af tasks
///
/// It satisfies `af::spawner` and converts to `af::any_spawner`, so a library written against
/// those runs its tasks on the io_context unchanged.
///
/// How it runs: each wake of a task posts one poll of it to the executor; a task already
/// queued is not posted again (its `scheduled` bit coalesces wakes). While the execution
/// context has unfinished af tasks, it counts as outstanding work: `io_context::run()` does not
/// return while a task waits, even on something outside Asio (an af channel, another runtime's
/// timer). Tasks run inside `run()`/`poll()` on whatever thread calls it; give a multi-threaded
/// io_context a strand when tasks share Asio objects.
///
/// af's runtime services (af::time, af::net) are not those of an io_context: to use them from
/// these tasks, pass a runtime's handle, `executor_spawner(ioc.get_executor(), rt.handle())`;
/// each poll then runs inside `handle.enter()`. Prefer Asio's own timers and sockets (awaited
/// with af::asio::use_future) for work that belongs to the io_context.
///
/// Shutdown: when the execution context is destroyed (or shut down), the futures of its
/// unfinished tasks are destroyed on that thread and their join handles throw
/// af::cancelled_error; a spawn after that is cancelled at once. Nothing waits for the tasks.
///
/// Thread safety: a spawner is immutable; copies may be used from any thread. `spawn` from a
/// thread other than the executor's moves the future there, so it must be safe to move.
#include <optional>  // the runtime to enter, if any
#include <utility>   // std::forward

#include <boost/asio/any_io_executor.hpp>  // the executor tasks are posted to

#include "af/executor/join_handle.hpp"
#include "af/executor/spawn.hpp"
#include "af/rt/runtime.hpp"  // af::rt::handle, entered around each poll when given

namespace af::asio {

class executor_spawner {
public:
    /// Runs tasks on `ex` (any Asio executor: `io_context::executor_type`, a strand, ...).
    explicit executor_spawner(boost::asio::any_io_executor ex);
    /// As above; each poll runs with `rt` entered, so af timers and sockets bind to `rt`.
    executor_spawner(boost::asio::any_io_executor ex, af::rt::handle rt);
    executor_spawner(const executor_spawner& o) noexcept;
    executor_spawner& operator=(executor_spawner o) noexcept {
        std::swap(s_, o.s_);
        return *this;
    }
    ~executor_spawner();

    /// Starts `f` (a future, or a callable returning one) as a task on the executor; its first
    /// poll is posted there. Errors: std::bad_alloc. After the execution context shut down,
    /// the task is cancelled at once (its handle throws af::cancelled_error).
    template <executor::spawnable F>
    join_handle<executor::spawn_output_t<F>> spawn(F&& f) const {
        return af::detail::spawn_on(*s_, std::forward<F>(f));
    }

    /// The executor tasks run on.
    const boost::asio::any_io_executor& get_executor() const noexcept;

private:
    // What af::any_spawner spawns onto; found by ADL only.
    friend af::detail::scheduler& spawn_scheduler(const executor_spawner& s) noexcept { return *s.s_; }
    af::detail::scheduler* s_;
};

}  // namespace af::asio

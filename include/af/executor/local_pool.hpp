// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::executor::local_pool`: runs spawned tasks on the calling thread, inside `run*` calls.
///
///     af::executor::local_pool pool;
///     auto h = pool.spawn(add_later(1, 2));
///     pool.spawn(log_forever()).detach();
///     int v = pool.run_until(std::move(h));   // runs both tasks until h is ready: 3
///
/// Choose it over `thread_pool` when tasks are not thread-safe, or when a test must decide
/// exactly when tasks run (`run_until_stalled` steps everything that is ready and returns).
/// Choose `af::block_on` when there is a single future and nothing to spawn.
///
/// - `run()` runs until every spawned task has completed (blocks forever if one never does).
/// - `run_until(f)` runs `f` and the spawned tasks until `f` completes; returns its output.
/// - `run_until_stalled()` runs until no task is ready, then returns.
/// While nothing is ready, `run`/`run_until` sleep until a waker fires, from any thread.
///
/// Thread safety: the pool is used by one thread; its tasks are polled only inside `run*` on
/// that thread. Wakers of its tasks may be woken from any thread; a wake from the pool's own
/// thread takes no lock. `spawner()` may be used from other threads (the futures then move to
/// the pool's thread).
///
/// Destruction destroys the futures of tasks that did not complete (their handles then throw
/// `af::cancelled_error`).
#include <type_traits>  // std::remove_cvref_t
#include <utility>      // std::forward, std::move

#include "af/core/future.hpp"
#include "af/executor/join_handle.hpp"
#include "af/executor/spawn.hpp"

namespace af::executor {

class local_pool {
public:
    local_pool();
    local_pool(const local_pool&) = delete;
    local_pool& operator=(const local_pool&) = delete;
    /// Cancels the tasks that did not complete (see the file comment). Not from inside a task of
    /// this pool.
    ~local_pool();

    /// Starts `f` (a future, or a callable returning one) as a task of this pool; it first runs
    /// at the next `run*` call (or later in the current one, when spawned from a task).
    template <spawnable F>
    join_handle<spawn_output_t<F>> spawn(F&& f) {
        return detail::spawn_on(*core_, std::forward<F>(f));
    }

    /// A handle for spawning onto this pool, e.g. from inside its tasks.
    executor::spawner spawner() const noexcept { return executor::spawner(*core_); }

    /// Runs tasks until all spawned tasks have completed.
    void run();

    /// Runs `f` on this thread together with the spawned tasks until `f` completes, and returns
    /// its output (rethrows its exception). An lvalue `f` is polled in place. Tasks still pending
    /// then stay in the pool for the next `run*` call.
    template <class F>
        requires future<std::remove_cvref_t<F>>
    output_of<F> run_until(F&& f) {
        F fut = std::forward<F>(f);
        run_scope scope(*this);
        waker w = main_waker();
        context cx(w);
        for (;;) {
            if (take_main_wake()) {
                auto p = fut.poll(cx);
                if (p.is_ready()) return std::move(p).value();
            }
            run_ready(true);
            park_unless_main_woken();
        }
    }

    /// Runs tasks until none is ready (all are waiting for a wake or have completed); never
    /// sleeps. Wakes from other threads that arrived before the pool stalled are served.
    void run_until_stalled();

private:
    // The non-template half of run_until, out of line in src/executor/local_pool.cpp.
    class run_scope {
    public:
        explicit run_scope(local_pool& p);
        run_scope(const run_scope&) = delete;
        run_scope& operator=(const run_scope&) = delete;
        ~run_scope();

    private:
        const void* previous_;
    };
    waker main_waker() const;
    bool take_main_wake() noexcept;
    void run_ready(bool stop_on_main_wake) noexcept;
    void park_unless_main_woken() noexcept;

    detail::scheduler* core_;
};

}  // namespace af::executor

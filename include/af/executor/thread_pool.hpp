// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::executor::thread_pool`: a fixed set of worker threads running spawned tasks.
///
///     af::task<int> add_later(int a, int b) { co_await af::yield_now(); co_return a + b; }
///
///     af::executor::thread_pool pool(2);
///     auto h = pool.spawn(add_later(20, 22));
///     std::printf("%d\n", af::block_on(std::move(h)));   // 42
///
/// Tasks may move between workers between polls, so what they hold must be safe to use from
/// another thread; a task is never polled by two threads at once. For single-threaded work
/// (tasks that are not thread-safe, or a test that steps tasks deterministically) use
/// `af::executor::local_pool`.
///
/// Scheduling: one global FIFO queue behind a mutex; idle workers sleep on a condition
/// variable. A queued task wakes a sleeping worker only when no other worker is already waking
/// up; that worker passes the wake on if it finds more work. Simple and fair, but every queue
/// operation takes the lock: a work-stealing runtime (af::rt) is the scalable choice.
///
/// Shutdown (`shutdown()` or the destructor): stops accepting work, lets each worker finish the
/// poll it is in, joins the workers, then destroys the future of every task that did not
/// complete (their destructors run on the thread calling shutdown; their handles then throw
/// `af::cancelled_error`). Later wakes of those tasks do nothing, and spawning on a shut-down
/// pool gives an already-cancelled task.
///
/// Thread safety: `spawn`, `spawner` and `shutdown` may be called from any thread at once
/// (`shutdown` not from the pool's own tasks); the destructor, like any, only once nothing
/// else uses the object.
#include <cstddef>  // std::size_t
#include <utility>  // std::forward

#include "af/executor/join_handle.hpp"
#include "af/executor/spawn.hpp"

namespace af::executor {

class thread_pool {
public:
    /// Starts `threads` workers (at least one; throws std::invalid_argument for zero).
    explicit thread_pool(std::size_t threads);
    /// One worker per hardware thread.
    thread_pool();
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;
    /// Calls `shutdown()`.
    ~thread_pool();

    /// Starts `f` (a future, or a callable returning one) on the pool and returns its handle.
    /// Thread safety: any thread, including the pool's own tasks.
    template <spawnable F>
    join_handle<spawn_output_t<F>> spawn(F&& f) {
        return detail::spawn_on(*core_, std::forward<F>(f));
    }

    /// A handle for spawning onto this pool, e.g. from inside its tasks.
    executor::spawner spawner() const noexcept { return executor::spawner(*core_); }

    /// Stops the pool as described in the file comment; a second call does nothing. Blocks
    /// until the workers have finished their current poll.
    /// Thread safety: any thread except the pool's own workers (a task cannot wait for its
    /// own worker to stop: that aborts the process with a message).
    void shutdown();

    /// The number of worker threads.
    std::size_t size() const noexcept { return size_; }

private:
    detail::scheduler* core_;
    std::size_t size_;
};

}  // namespace af::executor

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Cooperative budgeting: how a task that is always ready is made to yield.
///
/// A task that loops over a source that is always ready (a channel that always holds a message,
/// a socket that always has bytes, a timer that already fired) would never return `pending`,
/// and a worker running it would never get back to timers, I/O or other tasks. So the runtime
/// gives each task poll a budget of operations, and the leaf futures that can be ready many times
/// in a row (af::time's timers, af::rt's I/O, af's channels) spend one unit each time they are
/// ready. Once the budget is spent they return `pending` after waking the task, which then goes
/// to the back of its run queue. Today: af::time's sleeps, every reactor operation (sockets,
/// pipes, ...), and the receivers of af::channel::mpsc and af::channel::broadcast.
///
/// Outside an af runtime there is no budget and `poll_proceed` always says yes: executors that
/// do not set a budget (block_on, local_pool, thread_pool) behave as before.
///
///     af::poll<int> my_source::poll(af::context& cx) {
///         if (!af::coop::poll_proceed(cx)) return af::pending;   // budget spent: yield
///         ...
///     }
#include "af/core/context.hpp"

namespace af::coop {

namespace detail {
struct thread_state {
    int budget = -1;  // negative means unconstrained
    int depth = 0;    // how many budget_scopes are open (see in_task_poll)
};
/// The calling thread's state: one out-of-line call reaches both fields.
thread_state& state() noexcept;
/// The calling thread's budget: negative means unconstrained.
inline int& budget() noexcept { return state().budget; }
}  // namespace detail

/// True when the calling task may make progress now. False when its budget is spent: the task
/// has been woken (so it runs again soon) and the caller must return `pending` without changing
/// any state. Thread safety: touches only the calling thread's budget.
inline bool poll_proceed(context& cx) noexcept {
    int& b = detail::budget();
    if (b < 0) return true;
    if (b == 0) {
        cx.waker().wake_by_ref();
        return false;
    }
    --b;
    return true;
}

/// True when the current task still has budget (or there is none); spends nothing.
inline bool has_budget_remaining() noexcept { return detail::budget() != 0; }

/// True while an af runtime is polling a task (or the future given to its `block_on`) on the
/// calling thread: the runtime opens a `budget_scope` around each such poll, whatever the budget.
/// Calls that block the thread (`mpsc::sender::blocking_send`, ...) check it and refuse, since
/// blocking there would stall the worker. False on blocking-pool threads and outside a runtime.
inline bool in_task_poll() noexcept { return detail::state().depth > 0; }

/// Sets the calling thread's budget for the lifetime of the scope (the runtime wraps each task
/// poll in one), then restores the previous one. `n < 0` means unconstrained.
class budget_scope {
public:
    explicit budget_scope(int n) noexcept : s_(detail::state()), saved_(s_.budget) {
        s_.budget = n;
        ++s_.depth;
    }
    budget_scope(const budget_scope&) = delete;
    budget_scope& operator=(const budget_scope&) = delete;
    ~budget_scope() {
        s_.budget = saved_;
        --s_.depth;
    }

private:
    detail::thread_state& s_;
    int saved_;
};

}  // namespace af::coop

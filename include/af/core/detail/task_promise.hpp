// SPDX-License-Identifier: MIT
#pragma once
// How af::task runs: one "root" per polled task chain.
//
// The outermost task that someone polls is the root. Its promise holds a `task_root`: the
// context of the current poll, the innermost suspended coroutine (`resume_point`), and the leaf
// future that coroutine is waiting on. Polling the root polls only that leaf; when the leaf is
// ready the innermost coroutine is resumed. A task awaiting another task does not poll it: the
// parent suspends and asks the root to resume the child next (the child shares the parent's
// root); the child's final suspend asks the root to resume the parent. So a poll costs O(1)
// whatever the depth of the await chain.
//
// The root runs these transfers in a loop (a trampoline) instead of relying on symmetric
// transfer: GCC turns symmetric transfer into a tail call only when optimising, so debug builds
// would grow the stack with every synchronously completing await. The loop keeps the stack flat
// with every compiler at every optimisation level, for about the cost of one indirect call.
//
// A leaf future is polled first inside `await_ready`: when it is ready at once, the coroutine
// does not suspend at all.
#include <cassert>      // contract checks in debug builds
#include <coroutine>    // std::coroutine_handle, std::noop_coroutine
#include <exception>    // std::exception_ptr

#include "af/core/context.hpp"
#include "af/core/detail/frame_allocator.hpp"

namespace af::detail {

struct task_root {
    context* cx = nullptr;
    std::coroutine_handle<> resume_point;
    bool transfer = false;  // set when a coroutine suspended only to let resume_point run next
    void* leaf = nullptr;
    // Polls the leaf awaiter once; true when it finished (with a value or an exception).
    bool (*poll_leaf)(void* leaf, context& cx) = nullptr;
};

// Resumes the chain from `r.resume_point` until a coroutine waits on a leaf or the root ends.
inline void run_chain(task_root& r) {
    do {
        r.transfer = false;
        r.resume_point.resume();
    } while (r.transfer);
}

struct task_promise_base : frame_allocation {
    task_root own_root;
    task_root* root = &own_root;
    std::coroutine_handle<> continuation;
    std::exception_ptr exception;
    bool started = false;

    std::suspend_always initial_suspend() const noexcept { return {}; }

    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        void await_suspend(std::coroutine_handle<Promise> h) const noexcept {
            task_promise_base& p = h.promise();
            if (p.continuation) {
                p.root->resume_point = p.continuation;
                p.root->transfer = true;
            }
        }
        void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() const noexcept { return {}; }

    void unhandled_exception() noexcept { exception = std::current_exception(); }
};

}  // namespace af::detail

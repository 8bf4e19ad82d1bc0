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
//
// Tracing (af/core/detail/trace.hpp, docs/design/0006-task-tracing.md). Each promise records
// the source location of the `co_await` (or `co_yield`) it last reached and, while it is
// suspended awaiting a task, that task's promise (`await_links`); the root's `leaf_ops` can also
// name the leaf. So, whenever the chain is suspended, root promise -> child -> ... -> innermost
// is the chain of await sites and the root's leaf is what the innermost waits on. A stale
// `child` (the child finished and the parent ran on) is harmless: every suspension rewrites it
// before anyone may read it (task await: the new child; leaf await or co_yield: null).
#include <cassert>    // contract checks in debug builds
#include <coroutine>  // std::coroutine_handle, std::noop_coroutine
#include <exception>  // std::exception_ptr
#include <new>        // placement new of the nested link

#include "af/core/context.hpp"
#include "af/core/detail/frame_allocator.hpp"
#include "af/core/detail/trace.hpp"

namespace af::detail {

// What the root knows about the leaf awaiter: one static table per leaf type, so that naming
// the leaf costs no store beyond the one that registers the awaiter.
struct leaf_vtable {
    // Polls the leaf awaiter once; true when it finished (with a value or an exception).
    bool (*poll)(void* leaf, context& cx);
    // Appends the awaited future's trace (its type, or its own chain for a task).
    void (*trace)(const void* leaf, trace_sink& out);
};

// The state of a chain, kept by its root promise.
struct task_root {
    context* cx = nullptr;
    std::coroutine_handle<> resume_point;
    void* leaf = nullptr;
    const leaf_vtable* leaf_ops = nullptr;
};

struct task_promise_base;

// What a nested promise keeps instead: where its chain's state is, and whom to resume at the end.
struct nested_link {
    task_promise_base* root;
    std::coroutine_handle<> continuation;
};

#ifndef AF_NO_TASK_TRACE
// 16 bytes per frame; see "Tracing" above.
struct await_links {
    const void* site = nullptr;                // the last co_await / co_yield reached
    const task_promise_base* child = nullptr;  // the task awaited, while suspended on one
    void at(const void* s) noexcept { site = s; }
    void awaiting(const task_promise_base* c) noexcept { child = c; }
};
#else
struct await_links {
    void at(const void*) noexcept {}
    void awaiting(const task_promise_base*) noexcept {}
};
#endif

// A promise is the root of its chain (polled on its own) or nested (awaited by a parent task),
// never both: a nested coroutine needs no chain state of its own, and a root resumes no parent.
// So the two share storage, which with the flags packed together keeps a promise at eight words
// (tests/core/task_test.cpp checks the size).
struct task_promise_base : frame_allocation {
    union {
        task_root root_state;  // while !nested
        nested_link link;      // once nested
    };
    bool transfer = false;  // (root) a coroutine suspended only to let resume_point run next
    bool started = false;
    bool nested = false;
    bool has_value = false;  // task_promise<T>: the output was stored (see there)
    std::exception_ptr exception;
    [[no_unique_address]] await_links links;

    task_promise_base() noexcept : root_state() {}

    /// The promise that holds this chain's state.
    task_promise_base* root() noexcept { return nested ? link.root : this; }
    const task_promise_base* root() const noexcept { return nested ? link.root : this; }

    /// A parent awaits this (not yet started) coroutine: it joins the parent's chain.
    void nest_under(task_promise_base* chain_root, std::coroutine_handle<> parent) noexcept {
        // task_root and nested_link are trivially destructible: switching members needs no cleanup.
        ::new (&link) nested_link{chain_root, parent};
        nested = true;
        started = true;
    }

    // Appends this coroutine's await chain and the leaf it waits on. Only while the chain is
    // suspended and nobody polls it.
    void trace_chain(trace_sink& out) const {
        if (!started) return;
#ifndef AF_NO_TASK_TRACE
        for (const task_promise_base* p = this; p != nullptr; p = p->links.child) {
            out.on_frame(to_await_point(p->links.site));
        }
#endif
        const task_root& r = root()->root_state;
        if (r.leaf != nullptr) r.leaf_ops->trace(r.leaf, out);
    }

    std::suspend_always initial_suspend() const noexcept { return {}; }

    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        void await_suspend(std::coroutine_handle<Promise> h) const noexcept {
            task_promise_base& p = h.promise();
            if (p.nested) {
                p.link.root->root_state.resume_point = p.link.continuation;
                p.link.root->transfer = true;
            }
        }
        void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() const noexcept { return {}; }

    void unhandled_exception() noexcept { exception = std::current_exception(); }
};

// Resumes the chain of `root` from its resume point until a coroutine waits on a leaf or the
// root ends.
inline void run_chain(task_promise_base& root) {
    do {
        root.transfer = false;
        root.root_state.resume_point.resume();
    } while (root.transfer);
}

}  // namespace af::detail

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::rt::task_local<T>`: a value that belongs to a task and follows it across its awaits,
/// the way a `thread_local` belongs to a thread.
///
/// A thread_local is the wrong tool in async code: a task may run on several threads over its
/// life (a thread_pool or the runtime moves it between polls), and one thread runs many tasks,
/// so a value set before an await may be gone, or someone else's, after it. A task_local lives
/// in a scope future instead: `key.scope(value, f)` makes `value` current for `key` while `f`
/// (and everything `f` awaits) is being polled, wherever that happens.
///
///     static inline af::rt::task_local<int> request_id;
///
///     af::task<void> handle() {
///         co_await af::yield_now();                  // may resume on another thread
///         log("request %d", request_id.get());       // still this task's value
///     }
///     ... spawn(request_id.scope(42, handle()));
///
/// `get()` throws std::logic_error outside a scope, `try_get()` returns nullptr there. Scopes of
/// the same key nest (the inner value shadows the outer one until the inner future finishes);
/// different keys are independent. Declare keys `static` (or at namespace scope): the key's
/// address identifies it.
///
/// Not inherited: a task spawned from inside a scope does not see the value (spawn the child
/// inside its own `scope` to pass it on). It does not depend on af::rt: it works the same under
/// block_on, local_pool and thread_pool.
///
/// Cost: installing a scope is two pointer writes per poll; `get()` walks the scopes active on
/// this thread, innermost first (usually one or two).
#include <optional>     // the inner future, destroyed inside the scope
#include <stdexcept>    // std::logic_error
#include <type_traits>  // std::remove_cvref_t, std::invoke_result_t
#include <utility>      // std::move, std::forward

#include "af/core/future.hpp"

namespace af::rt {

namespace detail {

/// One installed scope: which key, where its value is, and the scope it hides. The frames of
/// one thread form a stack through `prev`; each lives on the stack of the poll that pushed it.
struct task_local_frame {
    const void* key;
    void* value;
    task_local_frame* prev;
};

/// The innermost frame of the calling thread (null when no scope is being polled).
task_local_frame*& task_local_top() noexcept;

/// Pushes a frame for the lifetime of the object; the destructor pops it even when the inner
/// poll throws, so an exception never leaves a stale value behind.
class task_local_guard {
public:
    task_local_guard(const void* key, void* value) noexcept : frame_{key, value, task_local_top()} {
        task_local_top() = &frame_;
    }
    task_local_guard(const task_local_guard&) = delete;
    task_local_guard& operator=(const task_local_guard&) = delete;
    ~task_local_guard() { task_local_top() = frame_.prev; }

private:
    task_local_frame frame_;
};

/// The value installed for `key` on this thread, or null.
inline void* task_local_find(const void* key) noexcept {
    for (task_local_frame* f = task_local_top(); f != nullptr; f = f->prev) {
        if (f->key == key) return f->value;
    }
    return nullptr;
}

}  // namespace detail

template <class T>
class task_local;

/// The future returned by `task_local<T>::scope`: polls `F` with the value installed.
template <class T, class F>
class [[nodiscard("a task_local scope does nothing until it is awaited or polled")]] task_local_scope {
public:
    using output = output_of<F>;

    task_local_scope(const task_local<T>* key, T value, F&& inner)
        : key_(key), value_(std::move(value)), inner_(std::in_place, std::move(inner)) {}
    task_local_scope(task_local_scope&&) = default;
    task_local_scope& operator=(task_local_scope&&) = delete;
    /// The inner future is destroyed with the value installed: its destructors (RAII guards,
    /// logging of a cancelled request) still see the task's value.
    ~task_local_scope() {
        if (inner_) {
            detail::task_local_guard g(key_, &value_);
            inner_.reset();
        }
    }

    /// Installs the value, polls the inner future, restores the previous value.
    /// Cancellation: dropping the scope drops the inner future (with the value installed) and
    /// the value. Thread safety: like the inner future; the value moves with the scope.
    af::poll<output> poll(context& cx) {
        detail::task_local_guard g(key_, &value_);
        return inner_->poll(cx);
    }

private:
    const task_local<T>* key_;
    T value_;
    std::optional<F> inner_;
};

/// A key for a task-local value of type `T`; see the file comment. Thread safety: all members
/// are const and may be called from any thread; each thread sees the scopes it is polling.
template <class T>
class task_local {
public:
    constexpr task_local() noexcept = default;
    task_local(const task_local&) = delete;
    task_local& operator=(const task_local&) = delete;

    /// A future that runs `f` with `value` as this key's value (on every poll of `f`) and
    /// returns `f`'s output.
    template <class F>
        requires future<std::remove_cvref_t<F>>
    task_local_scope<T, std::remove_cvref_t<F>> scope(T value, F&& f) const {
        using inner = std::remove_cvref_t<F>;
        return task_local_scope<T, inner>(this, std::move(value), inner(std::forward<F>(f)));
    }

    /// Calls `fn()` synchronously with `value` as this key's value and returns its result.
    template <class Fn>
    std::invoke_result_t<Fn&&> sync_scope(T value, Fn&& fn) const {
        detail::task_local_guard g(this, &value);
        return std::forward<Fn>(fn)();
    }

    /// The value of the innermost scope of this key being polled on this thread. Throws
    /// std::logic_error when there is none.
    T& get() const {
        if (T* p = try_get()) return *p;
        throw std::logic_error("task_local value accessed outside its scope");
    }

    /// As `get()`, but null outside a scope.
    T* try_get() const noexcept { return static_cast<T*>(detail::task_local_find(this)); }

    /// `fn(get())`.
    template <class Fn>
    std::invoke_result_t<Fn&&, T&> with(Fn&& fn) const {
        return std::forward<Fn>(fn)(get());
    }
};

}  // namespace af::rt

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::task<T>`: the coroutine type of an async function.
///
///     af::task<int> add_later(int a, int b) {
///         co_await af::yield_now();
///         co_return a + b;
///     }
///
/// A task is a lazy `af::future<T>`: calling `add_later(1, 2)` allocates the frame and runs
/// nothing; polling it (through `co_await`, `af::block_on`, an executor or a combinator) runs it.
/// Inside, `co_await` accepts any `af::future` (tasks included) and gives its output; an
/// exception thrown by the awaited future is rethrown at the `co_await`.
///
/// Cancellation: destroying a task destroys its frame at the point where it is suspended; its
/// locals' destructors run, and so do those of the futures it was awaiting.
///
/// Thread safety: a task is polled by one thread at a time; it may move between threads
/// between polls. Frames come from a per-thread recycling allocator; give a task function
/// `std::allocator_arg_t, Alloc` as its first parameters to use your own allocator.
///
/// Diagnostics: every `co_await` records its source location in the frame (a pointer store),
/// so that `af::rt::dump_tasks` can show where each task waits; see
/// docs/design/0006-task-tracing.md and `AF_NO_TASK_TRACE`.
///
/// Pitfall: a coroutine lambda's captures live in the lambda object, not in the frame. Wrap it
/// with `af::co_invoke` (below) when the lambda may die before the task finishes.
#include <cstddef>      // std::byte
#include <exception>    // std::rethrow_exception
#include <new>          // placement new, std::launder
#include <optional>     // an awaited task that was already started
#include <type_traits>  // std::is_void_v
#include <utility>      // std::exchange, std::move, std::declval

#include "af/core/detail/task_promise.hpp"
#include "af/core/future.hpp"

namespace af {

template <class T = void>
class task;

namespace detail {

template <class T>
struct is_task : std::false_type {};
template <class T>
struct is_task<task<T>> : std::true_type {};

// The awaiter for a leaf future. `F` is the future type, or a reference to it for lvalues.
// The output and the exception share one slot: a frame holds the awaiter of every suspension
// point, so its size is paid per task (the root pointer first and the one-byte `outcome_` last
// keep the padding to one word at most).
template <class F>
class future_awaiter {
    using output = output_of<F>;
    using stored = std::conditional_t<std::is_void_v<output>, std::exception_ptr, output>;
    enum class outcome : unsigned char { none, value, error };

public:
    future_awaiter(F&& f, task_promise_base* root) : root_(root), future_(std::forward<F>(f)) {}
    future_awaiter(const future_awaiter&) = delete;
    future_awaiter& operator=(const future_awaiter&) = delete;
    ~future_awaiter() {
        if (outcome_ == outcome::error) {
            error().~exception_ptr();
        } else if constexpr (!std::is_void_v<output>) {
            if (outcome_ == outcome::value) value().~output();
        }
    }

    bool await_ready() { return try_poll(*root_->root_state.cx); }

    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
        h.promise().links.awaiting(nullptr);  // the innermost of the chain (see task_promise.hpp)
        task_root& r = root_->root_state;
        r.leaf = this;
        r.leaf_ops = &ops;
        r.resume_point = h;
    }

    output await_resume() {
        if (outcome_ == outcome::error) {
            std::exception_ptr e = std::move(error());
            error().~exception_ptr();
            outcome_ = outcome::none;
            std::rethrow_exception(std::move(e));
        }
        if constexpr (!std::is_void_v<output>) return std::move(value());
    }

private:
    stored& value() noexcept { return *std::launder(reinterpret_cast<stored*>(slot_)); }
    std::exception_ptr& error() noexcept { return *std::launder(reinterpret_cast<std::exception_ptr*>(slot_)); }

    bool try_poll(context& cx) {
        auto p = future_.poll(cx);
        if (p.is_pending()) return false;
        if constexpr (!std::is_void_v<output>) {
            ::new (slot_) output(std::move(p).value());
            outcome_ = outcome::value;
        }
        return true;
    }

    static bool poll_leaf(void* self, context& cx) {
        auto* a = static_cast<future_awaiter*>(self);
        try {
            return a->try_poll(cx);
        } catch (...) {
            ::new (a->slot_) std::exception_ptr(std::current_exception());
            a->outcome_ = outcome::error;
            return true;
        }
    }

    static void trace_leaf(const void* self, trace_sink& out) {
        trace_future(static_cast<const future_awaiter*>(self)->future_, out);
    }

    static constexpr leaf_vtable ops{&poll_leaf, &trace_leaf};

    task_promise_base* root_;  // the chain's root
    alignas(stored) alignas(std::exception_ptr) std::byte slot_[sizeof(stored) > sizeof(std::exception_ptr) ? sizeof(stored) : sizeof(std::exception_ptr)];
    F future_;
    outcome outcome_ = outcome::none;
};

template <class T>
class task_promise;

// The awaiter for a task: transfers into the child coroutine instead of polling it. A task that
// someone already polled on its own keeps its own root and is awaited like any leaf future.
template <class Task>
class task_awaiter {
    using output = output_of<Task>;

public:
    task_awaiter(Task&& t, task_promise_base* root) : task_(std::forward<Task>(t)), root_(root) {}

    bool await_ready() {
        if (task_.promise().started) return leaf_.emplace(task_, root_).await_ready();
        return false;
    }

    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> parent) noexcept {
        if (leaf_) {
            leaf_->await_suspend(parent);
            return;
        }
        auto& child = task_.promise();
        parent.promise().links.awaiting(&child);
        child.nest_under(root_, parent);
        root_->root_state.resume_point = task_.handle();
        root_->transfer = true;
    }

    output await_resume() {
        if (leaf_) return leaf_->await_resume();
        return task_.take_output();
    }

private:
    Task task_;
    task_promise_base* root_;
    std::optional<future_awaiter<std::remove_cvref_t<Task>&>> leaf_;
};

// Stands in for the awaiter of a rejected operand, so that the static_assert is the only error.
struct rejected_awaiter {
    struct any_value {
        template <class T>
        operator T() const;  // never defined: only reached in programs that fail to compile
    };
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    any_value await_resume() const noexcept { return {}; }
};

// The awaiter for `co_await a` in any af coroutine driven by `root` (task, async_generator).
// Callers static_assert that `a` is a future first, with their own message.
// GCC 12 destroys an aggregate temporary made inside a co_await's full-expression twice
// (`co_await my_future{p}` double-frees `p`; seen with 12.2, clang is fine). When the awaited
// future itself is such an aggregate and owns something, reject it; a trivially destructible
// one (`co_await countdown{3}`) is harmless. Aggregates passed as arguments inside the operand
// cannot be seen from here: the book's Pitfalls and scripts/check_await_temporaries.py cover them.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13 && !defined(AF_NO_GCC12_AWAIT_CHECK)
template <class A>
inline constexpr bool gcc12_destroys_twice = !std::is_lvalue_reference_v<A> &&
                                            std::is_aggregate_v<std::remove_cvref_t<A>> &&
                                            !std::is_trivially_destructible_v<std::remove_cvref_t<A>>;
#else
template <class A>
inline constexpr bool gcc12_destroys_twice = false;
#endif

template <class A>
auto await_future(A&& a, task_promise_base* root) {
    using F = std::remove_cvref_t<A>;
    static_assert(!gcc12_destroys_twice<A>,
                  "GCC 12 destroys an aggregate future awaited as a temporary twice (a double free): "
                  "give the future a constructor, or co_await a named local (see the book's Pitfalls)");
    if constexpr (!future<F>) {
        return rejected_awaiter{};  // only the caller's static_assert is reported
    } else if constexpr (is_task<F>::value) {
        return task_awaiter<A>(std::forward<A>(a), root);
    } else {
        return future_awaiter<A>(std::forward<A>(a), root);
    }
}

template <class Derived>
struct task_promise_common : task_promise_base {
    // `site` defaults to the co_await expression in the user's coroutine (GCC 12 and Clang 16;
    // tests/core/task_trace_test.cpp checks the line).
    template <class A>
    auto await_transform(A&& a, const void* site = AF_DETAIL_AWAIT_SITE()) {
        static_assert(future<std::remove_cvref_t<A>>,
                      "af::task can only co_await an af::future: a type with `using output = T;` "
                      "and `af::poll<T> poll(af::context&)`");
        this->links.at(site);
        return await_future(std::forward<A>(a), this->root());
    }
};

// The output lives in raw storage flagged by the base's `has_value` (in padding) rather than
// in a std::optional, which would add a word to every frame.
template <class T>
class task_promise : public task_promise_common<task_promise<T>> {
public:
    task_promise() noexcept = default;
    task_promise(const task_promise&) = delete;
    task_promise& operator=(const task_promise&) = delete;
    ~task_promise() {
        if (this->has_value) value().~T();
    }

    task<T> get_return_object() noexcept;

    template <class U = T>
        requires std::is_constructible_v<T, U&&>
    void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        ::new (storage_) T(std::forward<U>(v));
        this->has_value = true;
    }

    // The moved-from value is destroyed with the frame.
    T take() {
        if (this->exception) std::rethrow_exception(std::exchange(this->exception, nullptr));
        return std::move(value());
    }

private:
    T& value() noexcept { return *std::launder(reinterpret_cast<T*>(storage_)); }

    alignas(T) std::byte storage_[sizeof(T)];
};

template <>
class task_promise<void> : public task_promise_common<task_promise<void>> {
public:
    task<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void take() {
        if (exception) std::rethrow_exception(std::exchange(exception, nullptr));
    }
};

}  // namespace detail

template <class T>
class [[nodiscard("a task does nothing until it is awaited, polled or spawned")]] task {
    static_assert(!std::is_reference_v<T>, "af::task<T>: T must not be a reference; return a pointer or std::reference_wrapper");

public:
    using output = T;
    using promise_type = detail::task_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;

    task() noexcept = default;
    task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
    task& operator=(task&& other) noexcept {
        if (this != &other) {
            reset();
            h_ = std::exchange(other.h_, {});
        }
        return *this;
    }
    ~task() { reset(); }

    /// Runs the task until it completes or waits on a pending future.
    af::poll<T> poll(context& cx) {
        assert(h_ && "af::task::poll on an empty or finished task");
        auto& p = h_.promise();
        assert(!p.nested && "af::task::poll on a task that a parent task awaits");
        detail::task_root& r = p.root_state;
        if (!p.started) {
            p.started = true;
            r.resume_point = h_;
        }
        r.cx = &cx;
        if (r.leaf != nullptr) {
            if (!r.leaf_ops->poll(r.leaf, cx)) return pending;
            r.leaf = nullptr;
        }
        detail::run_chain(p);
        if (!h_.done()) {
            assert(r.leaf != nullptr && "af::task suspended without waiting on a future");
            return pending;
        }
        if constexpr (std::is_void_v<T>) {
            take_output();
            return {};
        } else {
            return af::poll<T>(std::in_place, take_output());
        }
    }

    /// True once the task has run to completion (its output may still be unread).
    bool is_done() const noexcept { return !h_ || h_.done(); }
    explicit operator bool() const noexcept { return static_cast<bool>(h_); }

    /// For diagnostics (af/core/detail/trace.hpp): appends the chain of `co_await` sites this
    /// task is suspended at and the future it waits on; nothing before it starts or after it
    /// ends. Only while nobody polls the task.
    void trace(detail::trace_sink& out) const {
        if (h_ && !h_.done()) h_.promise().trace_chain(out);
    }

    // For af's awaiters.
    promise_type& promise() const noexcept { return h_.promise(); }
    handle_type handle() const noexcept { return h_; }
    T take_output() {
        // The frame is freed once the output is moved out, so that a finished task holds no memory.
        handle_type h = std::exchange(h_, {});
        struct destroy_frame {
            handle_type h;
            ~destroy_frame() { h.destroy(); }
        } guard{h};
        return h.promise().take();
    }

private:
    friend class detail::task_promise<T>;
    explicit task(handle_type h) noexcept : h_(h) {}
    void reset() noexcept {
        if (h_) std::exchange(h_, {}).destroy();
    }

    handle_type h_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>(std::coroutine_handle<task_promise<T>>::from_promise(*this));
}
inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>(std::coroutine_handle<task_promise<void>>::from_promise(*this));
}
}  // namespace detail

/// Calls `f(args...)` inside a new task whose frame owns `f` and `args`: the safe way to run a
/// coroutine lambda with captures, which would otherwise dangle once the lambda object dies.
///
///     auto t = af::co_invoke([name = std::string("x")]() -> af::task<std::size_t> {
///         co_await af::yield_now();
///         co_return name.size();   // `name` lives in co_invoke's frame
///     });
template <class F, class... Args>
    requires future<decltype(std::declval<F&>()(std::declval<Args&>()...))>
task<output_of<decltype(std::declval<F&>()(std::declval<Args&>()...))>> co_invoke(F f, Args... args) {
    co_return co_await f(args...);
}

}  // namespace af

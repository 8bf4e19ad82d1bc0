// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::spawner` (a concept) and `af::any_spawner` (a type): "where to run my tasks", as a
/// library takes it from its user.
///
///     class http_server {
///     public:
///         explicit http_server(af::any_spawner where) : where_(std::move(where)) {}
///         void on_connection(af::net::tcp_stream s) { where_.spawn(serve(std::move(s))); }
///     private:
///         af::any_spawner where_;
///     };
///
///     http_server a(rt.handle());            // onto a runtime
///     http_server b(pool.spawner());         // onto an af::executor::thread_pool
///
/// A spawner is a cheap, copyable handle whose `spawn(f)` starts `f` (a future, or a callable
/// returning one) as a task and returns its `af::join_handle`. These satisfy it:
///   - `af::rt::handle` (`rt.handle()`, `af::rt::handle::current()`),
///   - `af::executor::spawner` (`thread_pool::spawner()`, `local_pool::spawner()`),
///   - `af::any_spawner` itself.
/// A template takes `af::spawner auto`; a class that must not be a template stores an
/// `af::any_spawner` (one shared allocation when made, one indirect call per spawn).
///
/// Which futures must be thread-safe: C++ cannot check it (Rust's `Send`), so it is a rule. A
/// multi_thread or thread_per_core runtime's handle, a thread_pool's spawner, and any spawner
/// used from a thread other than the one that runs its tasks may poll the future on another
/// thread than the caller's: what it holds must be safe to move there. Only a local_pool's
/// spawner, or a current_thread runtime's handle, used from the thread that runs the tasks
/// keeps the future on that thread. A library handed an `any_spawner` does not know which it
/// got, so it must spawn thread-safe futures. For futures that are not, use `spawn_local`.
///
/// Thread safety: an `any_spawner` is immutable; copies may be used from any thread at once.
#include <concepts>     // std::copy_constructible, std::same_as
#include <memory>       // std::shared_ptr
#include <type_traits>  // std::remove_cvref_t
#include <utility>      // std::forward, std::move

#include "af/core/task.hpp"
#include "af/executor/detail/spawned_task.hpp"
#include "af/executor/join_handle.hpp"
#include "af/executor/spawn.hpp"

namespace af {

/// A copyable handle to an executor: `s.spawn(f)` starts `f` and returns its join handle.
/// Checked with one future type (`af::task<int>`), as a concept cannot check a template.
template <class S>
concept spawner = std::copy_constructible<S> && requires(const S& s, task<int> f) {
    { s.spawn(std::move(f)) } -> std::same_as<join_handle<int>>;
};

namespace detail {
// A spawner any_spawner can hold: it names the scheduler a spawn from the calling thread
// goes to (a hidden friend, found by ADL), so that the task can be allocated by the caller,
// who knows the future's type, and adopted by the executor, which does not.
template <class S>
concept erasable_spawner = spawner<S> && requires(const S& s) {
    { spawn_scheduler(s) } -> std::same_as<scheduler&>;
};
}  // namespace detail

/// A type-erased spawner: what a non-template class stores to run its tasks wherever its user
/// says (a runtime, a thread pool). Made implicitly from any af spawner, copied cheaply (a
/// shared pointer), never empty (a moved-from one still spawns where it did).
class any_spawner {
public:
    /// Keeps a copy of `s` (and so its executor's shared state) alive.
    template <class S>
        requires(!std::same_as<std::remove_cvref_t<S>, any_spawner> && detail::erasable_spawner<std::remove_cvref_t<S>>)
    any_spawner(S&& s)  // NOLINT(google-explicit-constructor): a library's parameter takes the handle as is
        : self_(std::make_shared<const std::remove_cvref_t<S>>(std::forward<S>(s))),
          target_(&target_of<std::remove_cvref_t<S>>) {}

    // Copy only: a move copies too, so that no any_spawner is ever empty.
    any_spawner(const any_spawner&) = default;
    any_spawner& operator=(const any_spawner&) = default;
    ~any_spawner() = default;

    /// Starts `f` (a future, or a callable returning one) on the executor this came from.
    /// Throws what that executor's own spawn throws (std::bad_alloc); after the executor shut
    /// down, the task is cancelled at once (its handle throws af::cancelled_error).
    template <executor::spawnable F>
    join_handle<executor::spawn_output_t<F>> spawn(F&& f) const {
        return detail::spawn_on(target_(self_.get()), std::forward<F>(f));
    }

private:
    template <class S>
    static detail::scheduler& target_of(const void* s) noexcept {
        return spawn_scheduler(*static_cast<const S*>(s));
    }

    std::shared_ptr<const void> self_;
    detail::scheduler& (*target_)(const void*) noexcept;
};

}  // namespace af

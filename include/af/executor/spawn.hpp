// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// What every af executor's `spawn` shares: what may be spawned, the `spawner` handle, and the
/// hook for exceptions of detached tasks.
///
/// `spawn(f)` accepts an `af::future` (moved into the task) or a callable returning one. A
/// callable is wrapped with `af::co_invoke`, so a coroutine lambda's captures live in the task
/// frame and stay valid after the lambda object is gone:
///
///     af::executor::thread_pool pool(4);
///     af::executor::spawner sp = pool.spawner();
///     auto h = sp.spawn([name = std::string("af")]() -> af::task<std::size_t> {
///         co_await af::yield_now();
///         co_return name.size();
///     });
///
/// Pick `local_pool` for one thread (tasks need not be thread-safe), `thread_pool` for a fixed
/// set of worker threads; `spawner` is what a task keeps to spawn more work on its executor.
/// To accept "where to run my tasks" from a user (this or a runtime's handle), take
/// `af::spawner auto` or store an `af::any_spawner` (af/executor/spawner.hpp).
#include <concepts>     // std::invocable
#include <exception>    // std::exception_ptr
#include <type_traits>  // std::decay_t, std::invoke_result_t
#include <utility>      // std::forward, std::exchange

#include "af/core/task.hpp"
#include "af/executor/detail/spawned_task.hpp"
#include "af/executor/join_handle.hpp"

namespace af::detail {
template <class F>
struct spawn_future {
    using type = std::remove_cvref_t<F>;
};
template <class F>
    requires(!future<std::remove_cvref_t<F>>)
struct spawn_future<F> {
    using type = task<output_of<std::invoke_result_t<std::decay_t<F>&>>>;
};
}  // namespace af::detail

namespace af::executor {

/// A future, or a callable (with no arguments) that returns one.
template <class F>
concept spawnable = future<std::remove_cvref_t<F>> ||
                    (std::invocable<std::decay_t<F>&> && future<std::invoke_result_t<std::decay_t<F>&>>);

/// The future type that `spawn(f)` runs.
template <spawnable F>
using spawn_future_t = typename detail::spawn_future<F>::type;

/// The output of the task that `spawn(f)` starts.
template <spawnable F>
using spawn_output_t = output_of<spawn_future_t<F>>;

/// Called with the exception of a task whose join handle was detached (dropped) before the
/// task finished, or dropped without reading the exception. The default prints
/// "af: exception in detached task: <what>" to stderr. It runs on the thread that ran the task
/// (or dropped the handle) and must not throw.
using unhandled_exception_handler = void (*)(std::exception_ptr);

/// Installs `h` (nullptr restores the default) and returns the previous handler (nullptr for the
/// default). Thread safety: any thread; tasks finishing meanwhile use the old or the new one.
unhandled_exception_handler set_unhandled_exception_handler(unhandled_exception_handler h) noexcept;

}  // namespace af::executor

namespace af::detail {

template <class F>
executor::spawn_future_t<F> into_future(F&& f) {
    if constexpr (future<std::remove_cvref_t<F>>) {
        return std::forward<F>(f);
    } else {
        return af::co_invoke(std::forward<F>(f));
    }
}

/// Allocates the task for `f` and hands it to `s`.
template <class F>
join_handle<executor::spawn_output_t<F>> spawn_on(scheduler& s, F&& f) {
    using fut = executor::spawn_future_t<F>;
    auto* t = new spawned_task<fut>(into_future(std::forward<F>(f)), &s);
    join_handle<executor::spawn_output_t<F>> h(t);
    s.adopt(t);
    return h;
}

}  // namespace af::detail

namespace af::executor {

/// A copyable handle that spawns onto the executor it came from (`pool.spawner()`); what a task
/// keeps to spawn more tasks. Keeps the executor's shared state alive, not the executor: once
/// the executor shut down, `spawn` returns a handle whose task is already cancelled.
///
/// Thread safety: a thread_pool's spawner may be used from any thread. A local_pool's spawner
/// may too, but its tasks then run on the pool's thread, so the futures must be safe to move
/// there.
class spawner {
public:
    explicit spawner(detail::scheduler& s) noexcept : s_(&s) { s_->retain(); }
    spawner(const spawner& o) noexcept : s_(o.s_) { s_->retain(); }
    spawner(spawner&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    spawner& operator=(spawner o) noexcept {
        std::swap(s_, o.s_);
        return *this;
    }
    ~spawner() {
        if (s_) s_->release();
    }

    /// Starts `f` as a new task; see the file comment for what `f` may be.
    template <spawnable F>
    join_handle<spawn_output_t<F>> spawn(F&& f) const {
        return detail::spawn_on(*s_, std::forward<F>(f));
    }

private:
    // What af::any_spawner spawns onto (af/executor/spawner.hpp); found by ADL only.
    friend detail::scheduler& spawn_scheduler(const spawner& s) noexcept { return *s.s_; }

    detail::scheduler* s_;
};

}  // namespace af::executor

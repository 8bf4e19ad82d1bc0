// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::rt::from_std_future(fut)` and `af::rt::into_std_future(where, f)`: `std::future` into
/// af and back.
///
///     af::task<int> use_legacy() {
///         std::future<int> f = legacy_pool.submit(compute);     // someone else's thread
///         co_return co_await af::rt::from_std_future(std::move(f));
///     }
///     // from code that is not async (a test, a callback thread): block on an af task
///     std::future<int> r = af::rt::into_std_future(rt.handle(), fetch_count());
///     int n = r.get();
///
/// `from_std_future`: `std::future` has no way to wake anyone, so waiting for it blocks a
/// thread. It is the runtime's blocking pool's thread (af::rt::spawn_blocking), never a worker:
/// the first poll returns at once if the value is already there, otherwise hands the
/// `std::future` to a blocking job that waits and returns its value (or rethrows its
/// exception) through the job's handle. Needs a runtime (a task of one, or a thread that
/// entered one); outside, the first poll throws std::logic_error. Cancellation: dropping the
/// future detaches the job, which still occupies a blocking thread until the `std::future`
/// is ready (std::future cannot be cancelled). Resumes on: the blocking thread wakes the task.
///
/// `into_std_future`: spawns `f` on `where` (any af spawner) and returns a `std::future` that
/// receives its output or exception; if the task is aborted or its executor shuts down first,
/// the `std::future` holds `af::error(af::errc::cancelled)`. Never call `get()` on it from a
/// task of the same executor (it blocks the worker that would run `f`).
#include <chrono>       // the ready check: wait_for(0s)
#include <future>       // std::future, std::promise
#include <memory>       // std::shared_ptr: the promise
#include <optional>     // the job's handle, once started
#include <type_traits>  // std::is_void_v
#include <utility>      // std::move, std::forward

#include "af/core/error.hpp"
#include "af/core/future.hpp"
#include "af/executor/spawn_with_callback.hpp"  // into_std_future reports through a callback
#include "af/executor/spawner.hpp"
#include "af/rt/spawn_blocking.hpp"

namespace af::rt {

/// The future of af::rt::from_std_future; see the file comment.
template <class T>
class [[nodiscard("nothing waits for the std::future until this is awaited")]] std_future_adapter {
public:
    using output = T;

    explicit std_future_adapter(std::future<T> f) noexcept : f_(std::move(f)) {}

    af::poll<T> poll(context& cx) {
        if (!job_) {
            if (f_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) return take(f_);
            job_.emplace(af::rt::spawn_blocking([f = std::move(f_)]() mutable -> T { return f.get(); }));
        }
        return job_->poll(cx);
    }

private:
    static af::poll<T> take(std::future<T>& f) {
        if constexpr (std::is_void_v<T>) {
            f.get();
            return {};
        } else {
            return af::poll<T>(std::in_place, f.get());
        }
    }

    std::future<T> f_;
    std::optional<join_handle<T>> job_;
};

/// Awaits `f` without blocking a runtime worker; see the file comment.
template <class T>
std_future_adapter<T> from_std_future(std::future<T> f) noexcept {
    return std_future_adapter<T>(std::move(f));
}

namespace detail {
template <class T>
struct promise_reporter {
    std::shared_ptr<std::promise<T>> p;
    void operator()(std::exception_ptr e) const
        requires std::is_void_v<T>
    {
        if (e) p->set_exception(e); else p->set_value();
    }
    template <class U>
    void operator()(std::exception_ptr e, U&& v) const {
        if (e) p->set_exception(e); else p->set_value(std::forward<U>(v));
    }
};
}  // namespace detail

/// Runs `f` on `where` and returns a `std::future` of its output; see the file comment.
template <af::spawner S, executor::spawnable F>
std::future<executor::spawn_output_t<F>> into_std_future(const S& where, F&& f) {
    using T = executor::spawn_output_t<F>;
    // Shared: the callback may be copied by std::function-like holders; one promise.
    auto p = std::make_shared<std::promise<T>>();
    std::future<T> out = p->get_future();
    af::spawn_with_callback(where, std::forward<F>(f), detail::promise_reporter<T>{std::move(p)});
    return out;
}

}  // namespace af::rt

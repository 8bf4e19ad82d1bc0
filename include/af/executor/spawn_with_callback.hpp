// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::spawn_with_callback(where, f, cb)` and `af::spawn_with_c_callback(where, f, cb, user)`:
/// run an af future as a task and report its outcome to a callback, for code that is not a
/// coroutine (a C library's completion slot, a GUI event handler, a callback-style C++ API).
///
///     af::spawn_with_callback(rt.handle(), fetch(url), [](std::exception_ptr e, std::string body) {
///         if (e) log_failure(e); else show(body);
///     });
///     // C: void done(void* user, int result); result < 0 is -errno
///     af::spawn_with_c_callback(pool.spawner(), count_lines(path), &done, ctx);
///
/// The callback is called exactly once: with the output (the exception pointer null), with
/// what the future threw, or with `af::error(af::errc::cancelled)` when the task was aborted or
/// its executor shut down before it finished. On failure the value argument is value-initialised
/// (so `T` must be default-constructible). The C shape passes the `int` output, or on failure a
/// negative errno: `-code` of a `std::system_error` whose condition is in the generic category
/// (`af::errc::cancelled` gives `-ECANCELED`, `timed_out` `-ETIMEDOUT`), `-EIO` for anything else.
///
/// Runs on: the thread that finished the task (an executor's worker); for a cancelled task, the
/// thread that dropped its future (the executor's, or the thread destroying the executor, or
/// the spawning thread when the executor had already shut down).
///
/// The returned handle aborts the task (`abort()`, and the callback then reports cancellation);
/// dropping it detaches the task, which runs on and still calls back.
#include <cerrno>        // ECANCELED, EIO
#include <exception>     // std::exception_ptr
#include <optional>      // the future and the callback until they are used
#include <system_error>  // std::system_error, the errno mapping
#include <type_traits>   // std::is_void_v
#include <utility>       // std::move

#include "af/core/error.hpp"  // af::errc::cancelled
#include "af/core/future.hpp"
#include "af/executor/join_handle.hpp"
#include "af/executor/spawn.hpp"
#include "af/executor/spawner.hpp"

namespace af {

/// The C shape's mapping of a failure to a negative errno; see the file comment.
inline int negative_errno_of(std::exception_ptr e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const std::system_error& se) {
        std::error_condition c = se.code().default_error_condition();
        if (c.category() == std::generic_category() && c.value() > 0) return -c.value();
    } catch (...) {
    }
    return -EIO;
}

namespace detail {

/// The task spawn_with_callback runs: polls `F`, then calls the callback once.
template <class F, class Callback>
class callback_completion {
    using T = output_of<F>;

public:
    using output = void;

    callback_completion(F f, Callback cb) : future_(std::in_place, std::move(f)), cb_(std::in_place, std::move(cb)) {}
    callback_completion(callback_completion&& o)
        : future_(std::move(o.future_)), cb_(std::move(o.cb_)) {
        o.future_.reset();
        o.cb_.reset();
    }
    callback_completion& operator=(callback_completion&&) = delete;
    ~callback_completion() {
        if (cb_) {
            future_.reset();  // its destructors first, then the report
            report(std::make_exception_ptr(af::error(make_error_code(af::errc::cancelled),
                                                     "task cancelled before it finished")));
        }
    }

    af::poll<void> poll(context& cx) {
        try {
            auto p = future_->poll(cx);
            if (p.is_pending()) return pending;
            future_.reset();
            if constexpr (std::is_void_v<T>) {
                report(nullptr);
            } else {
                report(nullptr, std::move(p).value());
            }
        } catch (...) {
            future_.reset();
            report(std::current_exception());
        }
        return {};
    }

private:
    template <class... V>
    void report(std::exception_ptr e, V&&... v) noexcept {
        Callback cb = std::move(*cb_);
        cb_.reset();
        if constexpr (std::is_void_v<T>) {
            cb(e);
        } else if constexpr (sizeof...(V) == 1) {
            cb(e, std::forward<V>(v)...);
        } else {
            cb(e, T{});
        }
    }

    std::optional<F> future_;
    std::optional<Callback> cb_;
};

struct c_callback_adapter {
    void (*cb)(void*, int);
    void* user;
    void operator()(std::exception_ptr e, int v) const noexcept { cb(user, e ? negative_errno_of(e) : v); }
};

}  // namespace detail

/// Runs `f` (a future, or a callable returning one) on `where` and calls
/// `cb(std::exception_ptr, T)` (`cb(std::exception_ptr)` for `void`) once; see the file
/// comment. The callback must not throw.
template <spawner S, executor::spawnable F, class Callback>
join_handle<void> spawn_with_callback(const S& where, F&& f, Callback cb) {
    using fut = executor::spawn_future_t<F>;
    static_assert(std::is_void_v<output_of<fut>> || std::is_default_constructible_v<output_of<fut>>,
                  "af::spawn_with_callback: the future's output must be default-constructible (a failure "
                  "passes a value-initialised one with the exception)");
    return where.spawn(detail::callback_completion<fut, Callback>(af::detail::into_future(std::forward<F>(f)),
                                                                  std::move(cb)));
}

/// Runs `f` (whose output is `int`) on `where` and calls `cb(user, result)` once, with the
/// output or a negative errno; see the file comment.
template <spawner S, executor::spawnable F>
    requires std::is_same_v<executor::spawn_output_t<F>, int>
join_handle<void> spawn_with_c_callback(const S& where, F&& f, void (*cb)(void* user, int result), void* user) {
    return spawn_with_callback(where, std::forward<F>(f), detail::c_callback_adapter{cb, user});
}

}  // namespace af

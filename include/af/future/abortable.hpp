// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::abortable(f)`: wraps a future so that another party (any thread) can cancel it.
///
/// Returns the wrapped future and an `af::abort_handle`. Calling `handle.abort()` wakes the
/// future; on its next poll it destroys the inner future (cancellation: the inner future's
/// destructors run there, on the polling thread) and completes with "aborted":
/// - for an inner output `T`, the output is `std::optional<T>`: the value, or `std::nullopt`
///   when aborted;
/// - for an inner output `void`, the output is `bool`: `true` when the inner future completed,
///   `false` when aborted (a `std::optional<void>` does not exist).
///
///     auto [fut, handle] = af::abortable(download(url));
///     stop_button.on_click([h = handle] { h.abort(); });
///     std::optional<page> p = co_await std::move(fut);   // nullopt: the user aborted
///
/// Choosing: to cancel a future you own, just destroy it; `abortable` is for cancelling from
/// somewhere that does not own the future (another task, another thread, a callback). To stop
/// waiting after a deadline, use a timeout instead. A future that already completed ignores a
/// later abort.
///
/// Thread safety: `abort_handle` is copyable and every copy may be used from any thread at
/// once. The future is polled by one thread at a time, like every future. Lock-free: one atomic
/// flag and an `af::atomic_waker` in a reference-counted block shared by the future and the
/// handles.
#include <atomic>       // the aborted flag
#include <cassert>      // polled-after-ready check
#include <memory>       // std::shared_ptr: the state outlives whichever side is dropped last
#include <optional>     // the inner future, and the output
#include <type_traits>  // std::conditional_t
#include <utility>      // std::move

#include "af/core/atomic_waker.hpp"
#include "af/core/future.hpp"

namespace af {

namespace detail {
struct abort_state {
    std::atomic<bool> aborted{false};
    atomic_waker waiter;
};
}  // namespace detail

/// Aborts the future made by the same `af::abortable` call. Copyable; every copy aborts the same
/// future.
class abort_handle {
public:
    explicit abort_handle(std::shared_ptr<detail::abort_state> s) noexcept : s_(std::move(s)) {}

    /// Marks the future aborted and wakes it. Idempotent; callable from any thread. The inner
    /// future is destroyed on the future's next poll (or when the future itself is destroyed),
    /// not here: destruction stays on the thread that owns the future.
    void abort() const {
        // Release: a poll that sees the flag also sees what the aborting thread did before.
        s_->aborted.store(true, std::memory_order_release);
        // The atomic_waker's read-modify-writes order this wake against the poller's
        // registration, so either the poller sees the flag or we see its waker.
        s_->waiter.wake();
    }

    /// True once `abort()` was called on any copy.
    bool is_aborted() const noexcept {
        // Acquire: pairs with the release store in abort().
        return s_->aborted.load(std::memory_order_acquire);
    }

private:
    std::shared_ptr<detail::abort_state> s_;
};

/// The future made by `af::abortable`. Outputs `std::optional<T>` (`bool` for a `void` inner
/// output); see the file comment.
template <future F>
class [[nodiscard("a future does nothing until it is awaited")]] abortable_future {
    using inner_output = output_of<F>;

public:
    using output = std::conditional_t<std::is_void_v<inner_output>, bool, std::optional<inner_output>>;

    abortable_future(F f, std::shared_ptr<detail::abort_state> s) : inner_(std::move(f)), s_(std::move(s)) {}

    /// Cancellation: destroying it destroys the inner future. Thread safety: one poller at a time.
    af::poll<output> poll(context& cx) {
        assert(!done_ && "af::abortable polled after it completed");
        if (is_aborted()) return finish_aborted();
        auto p = inner_->poll(cx);
        if (p.is_ready()) {
            done_ = true;
            inner_.reset();
            if constexpr (std::is_void_v<inner_output>) {
                return true;
            } else {
                return af::poll<output>(std::in_place, std::move(p).value());
            }
        }
        s_->waiter.register_waker(cx.waker());
        // Checked again after registering: an abort() between the first check and the
        // registration found no waker to wake.
        if (is_aborted()) return finish_aborted();
        return pending;
    }

    /// True once the paired handle called `abort()` (even if this future completed first).
    bool is_aborted() const noexcept {
        // Acquire: pairs with the release store in abort_handle::abort().
        return s_->aborted.load(std::memory_order_acquire);
    }

private:
    af::poll<output> finish_aborted() {
        done_ = true;
        inner_.reset();  // the cancellation: the inner future's destructors run here
        if constexpr (std::is_void_v<inner_output>) {
            return false;
        } else {
            return af::poll<output>(std::in_place, std::nullopt);
        }
    }

    std::optional<F> inner_;
    std::shared_ptr<detail::abort_state> s_;
    bool done_ = false;
};

/// What `af::abortable` returns: the future and its handle, for structured bindings
/// (`auto [fut, handle] = af::abortable(f);`).
template <future F>
struct abortable_parts {
    abortable_future<F> future;
    abort_handle handle;
};

/// Wraps `f` so that the returned handle can abort it; see the file comment.
template <class F>
    requires future<std::remove_cvref_t<F>>
abortable_parts<std::remove_cvref_t<F>> abortable(F&& f) {
    auto s = std::make_shared<detail::abort_state>();
    abort_handle h(s);
    return {abortable_future<std::remove_cvref_t<F>>(std::forward<F>(f), std::move(s)), std::move(h)};
}

}  // namespace af

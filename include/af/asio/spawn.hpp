// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::asio::spawn(ex, future, token)`: runs an af future on an Asio executor and completes
/// any Asio completion token with its result, the way `boost::asio::co_spawn` does for Asio's
/// own coroutines.
///
///     // from an Asio coroutine
///     std::string body = co_await af::asio::spawn(ex, fetch(url), boost::asio::use_awaitable);
///     // from callback code
///     af::asio::spawn(ex, fetch(url), [](std::exception_ptr e, std::string body) { ... });
///     // blocking, from a thread outside the io_context
///     std::future<std::string> f = af::asio::spawn(ex, fetch(url), boost::asio::use_future);
///
/// The completion signature is `void(std::exception_ptr, T)` (`void(std::exception_ptr)` for a
/// `void` future): the pointer is null on success, holds what the future threw otherwise, and
/// an `af::error` with code `af::errc::cancelled` when the future was dropped before it
/// finished (cancellation, or the executor's context destroyed). On failure `T` is
/// value-initialised, so it must be default-constructible (as with `co_spawn`).
///
/// Cancellation: a terminal cancellation emitted on the token's cancellation slot (for
/// `use_awaitable`, cancelling the awaiting coroutine; `bind_cancellation_slot` for a
/// callback) aborts the af task: its future is dropped at its next suspension point, on the
/// executor, and the handler completes with the cancelled error. Partial and total
/// cancellation are not supported (dropping a future may have side effects) and are ignored.
///
/// Resumes on: the future runs as a task of `af::asio::executor_spawner(ex)` (see that header
/// for threads and shutdown); the handler is dispatched to its associated executor (`ex` for
/// a plain callback), whose context counts it as outstanding work until then.
#include <atomic>       // the cancellation cell's handshake
#include <exception>    // std::exception_ptr
#include <memory>       // std::shared_ptr: the cancellation cell
#include <optional>     // the future and the handler, until completion
#include <type_traits>  // std::conditional_t, std::is_void_v
#include <utility>      // std::move, std::forward

#include <boost/asio/associated_cancellation_slot.hpp>  // the token's cancellation slot
#include <boost/asio/associated_executor.hpp>           // where the handler runs
#include <boost/asio/async_result.hpp>                  // async_initiate
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "af/asio/executor_spawner.hpp"
#include "af/core/error.hpp"  // af::errc::cancelled
#include "af/core/future.hpp"
#include "af/executor/spawn.hpp"

namespace af::asio {

namespace detail {

template <class T>
struct spawn_signature_of {
    using type = void(std::exception_ptr, T);
};
template <>
struct spawn_signature_of<void> {
    using type = void(std::exception_ptr);
};
template <class T>
using spawn_signature = typename spawn_signature_of<T>::type;

/// Shared by the slot's canceller and the initiation: the task's handle arrives after the
/// canceller is installed, and either side may come first.
template <class T>
struct spawn_cancel_cell {
    std::optional<join_handle<void>> handle;
    std::atomic<bool> ready{false};
    std::atomic<bool> cancelled{false};

    void cancel() noexcept {
        // Seq_cst on both sides (here and in publish): whichever of the two stores comes
        // second sees the other's, so the abort is not lost.
        cancelled.store(true);
        if (ready.load()) handle->abort();
    }
    void publish(join_handle<void> h) noexcept {
        handle.emplace(std::move(h));
        ready.store(true);
        if (cancelled.load()) handle->abort();
    }
};

template <class T>
struct spawn_canceller {
    std::shared_ptr<spawn_cancel_cell<T>> cell;
    void operator()(boost::asio::cancellation_type_t type) const noexcept {
        if ((type & boost::asio::cancellation_type::terminal) != boost::asio::cancellation_type::none) cell->cancel();
    }
};

/// The task spawn() runs: polls `F`, then hands the outcome to the handler.
template <class F, class Handler, class Executor>
class spawn_completion {
    using T = output_of<F>;
    using handler_executor = boost::asio::associated_executor_t<Handler, Executor>;

public:
    using output = void;

    spawn_completion(F f, Handler h, const Executor& ex, boost::asio::cancellation_slot slot)
        : future_(std::in_place, std::move(f)),
          work_(boost::asio::get_associated_executor(h, ex)),
          handler_(std::in_place, std::move(h)),
          slot_(slot) {}
    // Moved once, into the spawned task, before its first poll; the source completes nothing.
    spawn_completion(spawn_completion&& o)
        : future_(std::move(o.future_)), work_(std::move(o.work_)), handler_(std::move(o.handler_)), slot_(o.slot_) {
        o.future_.reset();
        o.handler_.reset();
    }
    spawn_completion& operator=(spawn_completion&&) = delete;
    ~spawn_completion() {
        if (handler_) {
            future_.reset();  // the future's destructors run before the handler does
            finish(std::make_exception_ptr(af::error(make_error_code(af::errc::cancelled),
                                                     "af future dropped before it finished")));
        }
    }

    af::poll<void> poll(context& cx) {
        if constexpr (std::is_void_v<T>) {
            try {
                if (future_->poll(cx).is_pending()) return pending;
            } catch (...) {
                future_.reset();
                finish(std::current_exception());
                return {};
            }
            future_.reset();
            finish(nullptr);
        } else {
            std::optional<T> v;
            try {
                auto p = future_->poll(cx);
                if (p.is_pending()) return pending;
                v.emplace(std::move(p).value());
            } catch (...) {
                future_.reset();
                finish(std::current_exception());
                return {};
            }
            future_.reset();
            finish(nullptr, std::move(*v));
        }
        return {};
    }

private:
    template <class... V>
    void finish(std::exception_ptr e, V&&... v) noexcept {
        handler_executor ex = work_.get_executor();
        try {
            if constexpr (std::is_void_v<T>) {
                boost::asio::dispatch(ex, [h = std::move(*handler_), slot = slot_, e]() mutable {
                    slot.clear();  // on the handler's executor, where the slot's owner emits
                    std::move(h)(e);
                });
            } else {
                static_assert(sizeof...(V) <= 1);
                T value = [&] {
                    if constexpr (sizeof...(V) == 1) {
                        return T(std::forward<V>(v)...);
                    } else {
                        return T{};
                    }
                }();
                boost::asio::dispatch(ex, [h = std::move(*handler_), slot = slot_, e, value = std::move(value)]() mutable {
                    slot.clear();
                    std::move(h)(e, std::move(value));
                });
            }
        } catch (...) {
            // Out of memory while dispatching: the handler is destroyed uncalled, as Asio does
            // with the handlers of a destroyed context.
        }
        handler_.reset();
        work_.reset();
    }

    std::optional<F> future_;
    boost::asio::executor_work_guard<handler_executor> work_;
    std::optional<Handler> handler_;
    boost::asio::cancellation_slot slot_;
};

template <class Executor>
struct spawn_initiation {
    using executor_type = Executor;
    Executor ex;
    executor_type get_executor() const noexcept { return ex; }

    template <class Handler, class F>
    void operator()(Handler&& handler, F&& f) const {
        using T = output_of<F>;
        auto slot = boost::asio::get_associated_cancellation_slot(handler);
        std::shared_ptr<spawn_cancel_cell<T>> cell;
        if (slot.is_connected()) {
            cell = std::make_shared<spawn_cancel_cell<T>>();
            slot.template emplace<spawn_canceller<T>>(spawn_canceller<T>{cell});
        }
        executor_spawner sp{boost::asio::any_io_executor(ex)};
        auto h = sp.spawn(spawn_completion<std::decay_t<F>, std::decay_t<Handler>, Executor>(
            std::forward<F>(f), std::forward<Handler>(handler), ex, slot));
        if (cell) cell->publish(std::move(h));
    }
};

}  // namespace detail

/// Runs `f` (an af future, or a callable returning one) as a task on `ex` and completes
/// `token` with its outcome; see the file comment.
template <class Executor, executor::spawnable F, class Token>
auto spawn(const Executor& ex, F&& f, Token&& token) {
    using fut = executor::spawn_future_t<F>;
    using T = output_of<fut>;
    static_assert(std::is_void_v<T> || std::is_default_constructible_v<T>,
                  "af::asio::spawn: the future's output must be default-constructible (the completion "
                  "passes a value-initialised one with the error), as with boost::asio::co_spawn");
    return boost::asio::async_initiate<Token, detail::spawn_signature<T>>(
        detail::spawn_initiation<Executor>{ex}, token, af::detail::into_future(std::forward<F>(f)));
}

}  // namespace af::asio

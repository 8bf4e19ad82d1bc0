// SPDX-License-Identifier: MIT
#pragma once
// af::http::detail::shutdown_signal: how a server tells its connections to stop (graceful
// shutdown, include/af/http/server.hpp). A connection checks `stopping()` between requests
// (a busy one answers its current request with `Connection: close`) and waits for its next
// request through `until_stopping`, so an idle one closes at once.
//
// Ordering: `stop()` sets the flag, then wakes every `notified()` future made before. A
// waiter makes its notified future first and checks the flag at each poll after polling it, so
// a stop either is seen by the flag check or wakes the future: never lost.
#include <atomic>    // the flag
#include <optional>  // until_stopping's result
#include <type_traits>  // void futures
#include <utility>   // std::move

#include "af/core/future.hpp"
#include "af/sync/notify.hpp"

namespace af::http::detail {

class shutdown_signal {
public:
    bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
    void stop() noexcept {
        stopping_.store(true, std::memory_order_release);
        notify_.notify_waiters();
    }

    /// A future woken by the next `stop()` (a connection keeps one for its whole life rather
    /// than making one per wait: each is a lock to link and one to unlink).
    af::sync::notify::notified_future notified() noexcept { return notify_.notified(); }

    /// Runs `f` until it finishes (its output; `true` for a void future) or a stop
    /// (std::nullopt or `false`; `f` is dropped with the until_future).
    template <af::future F>
    class until_future {
        static constexpr bool is_void = std::is_void_v<af::output_of<F>>;

    public:
        using output = std::conditional_t<is_void, bool, std::optional<af::output_of<F>>>;
        until_future(shutdown_signal& s, F f) : s_(&s), f_(std::move(f)), n_(s.notify_.notified()) {}
        af::poll<output> poll(context& cx) {
            auto p = f_.poll(cx);
            if (p.is_ready()) {
                if constexpr (is_void) {
                    return true;
                } else {
                    return af::poll<output>(std::in_place, std::in_place, std::move(p).value());
                }
            }
            if (n_.poll(cx).is_ready() || s_->stopping()) {
                if constexpr (is_void) {
                    return false;
                } else {
                    return af::poll<output>(std::in_place, std::nullopt);
                }
            }
            return pending;
        }

    private:
        shutdown_signal* s_;
        F f_;
        af::sync::notify::notified_future n_;
    };
    template <af::future F>
    until_future<F> until_stopping(F f) {
        return until_future<F>(*this, std::move(f));
    }

private:
    std::atomic<bool> stopping_{false};
    af::sync::notify notify_;
};

}  // namespace af::http::detail

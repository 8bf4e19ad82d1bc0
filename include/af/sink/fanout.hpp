// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `std::move(a) | af::sinks::fanout(std::move(b))`: a sink that sends every item to both `a`
/// and `b`.
///
///     auto both = std::move(to_log) | af::sinks::fanout(std::move(to_disk));
///     co_await af::sinks::send(both, event);   // a copy to the log, the original to disk
///
/// Ready only when both are ready, so the slower sink sets the pace; while waiting for one, the
/// other keeps the room it reported (an mpsc sender holds its slot). Each item is copied into
/// `a` and moved into `b`, so the item type must be copyable. Flushing and closing drive both
/// sinks on every poll and are ready once both are. Chain fanouts for more than two sinks.
///
/// Cancellation: nothing of its own; see the helper that drives it. Errors: whatever either
/// sink throws; an exception from `a` leaves `b` untouched for that call, one from `b` comes
/// after `a` already took the item. Thread safety: as the two sinks.
#include <concepts>     // std::copy_constructible
#include <type_traits>  // std::decay_t
#include <utility>      // std::move, std::forward

#include "af/sink/detail/adaptor.hpp"

namespace af::sinks {

/// The sink made by `af::sinks::fanout`.
template <class A, class B>
class fanout_sink {
public:
    fanout_sink(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}

    af::poll<void> poll_ready(context& cx) {
        // Both are polled every time so that both register the waker and make progress;
        // a sink that answered ready keeps answering ready until start_send.
        const bool a = a_.poll_ready(cx).is_ready();
        const bool b = b_.poll_ready(cx).is_ready();
        if (a && b) return {};
        return pending;
    }

    template <class U>
        requires std::copy_constructible<std::decay_t<U>> && sink<A, std::decay_t<U>> &&
                 sink<B, std::decay_t<U>>
    void start_send(U&& v) {
        std::decay_t<U> copy(v);
        a_.start_send(std::move(copy));
        b_.start_send(std::forward<U>(v));
    }

    af::poll<void> poll_flush(context& cx) {
        const bool a = a_.poll_flush(cx).is_ready();
        const bool b = b_.poll_flush(cx).is_ready();
        if (a && b) return {};
        return pending;
    }

    af::poll<void> poll_close(context& cx) {
        // A sink is not polled again once it closed: close is not required to be idempotent.
        if (!a_closed_) a_closed_ = a_.poll_close(cx).is_ready();
        if (!b_closed_) b_closed_ = b_.poll_close(cx).is_ready();
        if (a_closed_ && b_closed_) return {};
        return pending;
    }

    A& first() noexcept { return a_; }
    B& second() noexcept { return b_; }

private:
    A a_;
    B b_;
    bool a_closed_ = false;
    bool b_closed_ = false;
};

template <class B>
auto fanout(B b) {
    return af::detail::make_sink_adaptor([b = std::move(b)]<class A>(A a) mutable {
        return fanout_sink<A, B>(std::move(a), std::move(b));
    });
}

}  // namespace af::sinks

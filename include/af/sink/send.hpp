// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `co_await af::sinks::send(sink, v)`: waits for room, hands `v` over, then flushes the sink.
///
///     auto [tx, rx] = af::channel::mpsc::bounded<int>(4);
///     co_await af::sinks::send(tx, 42);   // throws af::closed_error if rx is gone
///
/// The generic way to push one item into any `af::sink`. To push many, `af::sinks::feed` each
/// and `af::sinks::flush` once, or use `af::sinks::send_all(sink, stream)`. The future borrows
/// `sink`, which must outlive it.
///
/// Cancellation: dropped before the sink had room, `v` is destroyed with the future and never
/// reaches the sink. Dropped after that but before the flush finished, `v` is already in the
/// sink's buffer: a later `af::sinks::flush` or `af::sinks::close` delivers it. Errors:
/// whatever the sink's members throw (for example `af::closed_error`). Thread safety: as
/// the sink; resumes on the thread that polls it.
#include <cassert>      // polled-after-ready check
#include <memory>       // std::addressof
#include <type_traits>  // std::decay_t
#include <utility>      // std::move

#include "af/sink/sink.hpp"

namespace af::sinks {

/// The future made by `af::sinks::send`.
template <class S, class T>
    requires sink<S, T>
class [[nodiscard("a send does nothing until it is awaited")]] send_future {
public:
    using output = void;
    send_future(S& s, T v) : s_(std::addressof(s)), item_(std::move(v)) {}

    af::poll<void> poll(context& cx) {
        assert(!done_ && "af::sinks::send polled after it completed");
        if (!handed_) {
            if (s_->poll_ready(cx).is_pending()) return pending;
            handed_ = true;
            s_->start_send(std::move(item_));
        }
        if (s_->poll_flush(cx).is_pending()) return pending;
        done_ = true;
        return {};
    }

private:
    S* s_;
    T item_;  // not an optional: GCC 12 -O2 reports a maybe-uninitialized read through one
    bool handed_ = false;
    bool done_ = false;
};

template <class S, class U>
    requires sink<S, std::decay_t<U>>
send_future<S, std::decay_t<U>> send(S& s, U&& v) {
    return send_future<S, std::decay_t<U>>(s, std::forward<U>(v));
}

}  // namespace af::sinks

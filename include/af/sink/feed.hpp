// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `co_await af::sinks::feed(sink, v)`: waits for room, then hands `v` over without flushing.
///
///     for (auto& line : lines) co_await af::sinks::feed(out, line);  // batched
///     co_await af::sinks::flush(out);                                // one flush for all
///
/// Use `af::sinks::send` for one item that must be delivered now (it flushes too), and `feed`
/// plus one `af::sinks::flush` to batch several. The future borrows `sink`, which must outlive
/// it.
///
/// Cancellation: dropped before the sink had room, `v` is destroyed with the future and never
/// reaches the sink; the sink may keep the room it reserved for the next item. Once the future
/// is ready, `v` is in the sink (possibly only in its buffer). Errors: whatever the sink's
/// `poll_ready` or `start_send` throws (for example `af::closed_error`). Thread safety: as
/// the sink; resumes on the thread that polls it.
#include <cassert>      // polled-after-ready check
#include <memory>       // std::addressof
#include <type_traits>  // std::decay_t
#include <utility>      // std::move

#include "af/sink/sink.hpp"

namespace af::sinks {

/// The future made by `af::sinks::feed`.
template <class S, class T>
    requires sink<S, T>
class [[nodiscard("a feed does nothing until it is awaited")]] feed_future {
public:
    using output = void;
    feed_future(S& s, T v) : s_(std::addressof(s)), item_(std::move(v)) {}

    af::poll<void> poll(context& cx) {
        assert(!handed_ && "af::sinks::feed polled after it completed");
        if (s_->poll_ready(cx).is_pending()) return pending;
        handed_ = true;
        s_->start_send(std::move(item_));
        return {};
    }

private:
    S* s_;
    T item_;  // not an optional: GCC 12 -O2 reports a maybe-uninitialized read through one
    bool handed_ = false;
};

template <class S, class U>
    requires sink<S, std::decay_t<U>>
feed_future<S, std::decay_t<U>> feed(S& s, U&& v) {
    return feed_future<S, std::decay_t<U>>(s, std::forward<U>(v));
}

}  // namespace af::sinks

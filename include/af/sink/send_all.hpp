// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `co_await af::sinks::send_all(sink, stream)`: moves every item of `stream` into `sink`, then
/// flushes.
///
///     auto [tx, rx] = af::channel::mpsc::bounded<int>(8);
///     co_await af::sinks::send_all(tx, af::streams::iter(std::vector{1, 2, 3}));
///
/// Each item goes through `poll_ready` then `start_send`, so the sink's backpressure slows the
/// stream down. Whenever the stream is pending, the sink is flushed (what was fed so far is
/// delivered while the producer is idle), and once the stream ends the future completes after
/// a last flush. It does not close the sink: await `af::sinks::close` for that. The sink is
/// borrowed; the stream is borrowed when passed as an lvalue (it must then outlive the future
/// and not move) and owned when passed as an rvalue.
///
/// Cancellation: dropping the future loses at most one item, the one already taken from the
/// stream while the sink had no room; items handed to the sink stay in its buffer (a later
/// flush delivers them), and a borrowed stream keeps the items not yet taken. Errors: whatever
/// the stream or the sink throws; the item in hand is then destroyed. Thread safety: as the
/// sink and the stream; resumes on the thread that polls it.
#include <cassert>      // polled-after-ready check
#include <memory>       // std::addressof
#include <optional>     // the item in hand
#include <type_traits>  // std::remove_cvref_t, std::conditional_t
#include <utility>      // std::move

#include "af/sink/sink.hpp"
#include "af/stream/stream.hpp"


namespace af::sinks {

/// The future made by `af::sinks::send_all`. `St` is the stream type, or `St&` for a borrowed one.
template <class S, class St>
    requires stream<std::remove_cvref_t<St>> && sink<S, item_of<St>>
class [[nodiscard("a send_all does nothing until it is awaited")]] send_all_future {
public:
    using output = void;
    send_all_future(S& s, St&& st) : s_(std::addressof(s)), st_(hold(std::forward<St>(st))) {}

    af::poll<void> poll(context& cx) {
        assert(!done_ && "af::sinks::send_all polled after it completed");
        for (;;) {
            if (item_) {
                if (s_->poll_ready(cx).is_pending()) return pending;
                send_buffered();
            }
            if (ended_) {
                if (s_->poll_flush(cx).is_pending()) return pending;
                done_ = true;
                return {};
            }
            auto p = stream_ref().poll_next(cx);
            if (p.is_pending()) {
                // The producer is idle: deliver what was fed meanwhile. Both the stream and (if
                // still busy) the flush hold our waker, so either can resume us.
                (void)s_->poll_flush(cx);
                return pending;
            }
            if (!p.value()) {
                ended_ = true;
                continue;
            }
            item_.emplace(std::move(*p.value()));
        }
    }

private:
    // Out of line: inlined into a caller that made the future (block_on), GCC 12 at -O2 reports
    // a false maybe-uninitialized on the optional's payload, and a `#pragma GCC diagnostic`
    // cannot silence it when this header comes from a precompiled header (GCC PR 64117).
    [[gnu::noinline]] void send_buffered() {
        item_of<St> v = std::move(*item_);
        item_.reset();
        s_->start_send(std::move(v));
    }

    using held =
        std::conditional_t<std::is_lvalue_reference_v<St>, std::remove_reference_t<St>*, St>;
    static held hold(St&& st) {
        if constexpr (std::is_lvalue_reference_v<St>) {
            return std::addressof(st);
        } else {
            return held(std::move(st));  // moved in before its first poll
        }
    }
    std::remove_cvref_t<St>& stream_ref() noexcept {
        if constexpr (std::is_lvalue_reference_v<St>) {
            return *st_;
        } else {
            return st_;
        }
    }

    S* s_;
    held st_;
    std::optional<item_of<St>> item_;
    bool ended_ = false;
    bool done_ = false;
};


template <class S, class St>
    requires stream<std::remove_cvref_t<St>> && sink<S, item_of<St>>
send_all_future<S, St> send_all(S& s, St&& st) {
    return send_all_future<S, St>(s, std::forward<St>(st));
}

}  // namespace af::sinks

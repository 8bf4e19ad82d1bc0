// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `co_await af::sinks::close(sink)`: flushes the sink, then closes it; no item may be sent after.
///
///     co_await af::sinks::send_all(tx, std::move(items));
///     co_await af::sinks::close(tx);   // an mpsc sender: this handle stops counting as a sender
///
/// What closing means is the sink's own: an `af::channel::mpsc::sender` lets go of its place
/// among the senders (the receiver ends once the others are gone too), `af::sinks::with`
/// and `af::sinks::fanout` close what they feed. The future borrows `sink`, which must outlive
/// it.
///
/// Cancellation: dropping the future may leave the sink flushed but not closed (or partly
/// closed, for a fanout); awaiting `af::sinks::close` again finishes the job. Errors: whatever
/// `poll_close` throws. Thread safety: as the sink; resumes on the thread that polls it.
#include <memory>  // std::addressof

#include "af/sink/sink.hpp"

namespace af::sinks {

/// The future made by `af::sinks::close`.
template <af::detail::flushable_sink S>
class [[nodiscard("a close does nothing until it is awaited")]] close_future {
public:
    using output = void;
    explicit close_future(S& s) noexcept : s_(std::addressof(s)) {}
    af::poll<void> poll(context& cx) { return s_->poll_close(cx); }

private:
    S* s_;
};

template <af::detail::flushable_sink S>
close_future<S> close(S& s) noexcept {
    return close_future<S>(s);
}

}  // namespace af::sinks

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `co_await af::sinks::flush(sink)`: completes once every item handed over has been delivered.
///
///     co_await af::sinks::feed(out, a);
///     co_await af::sinks::feed(out, b);
///     co_await af::sinks::flush(out);
///
/// `af::sinks::send` and `af::sinks::send_all` flush by themselves; call this after a run of
/// `af::sinks::feed`s. The future borrows `sink`, which must outlive it.
///
/// Cancellation: dropping the future loses nothing; the items stay in the sink's buffer and the
/// next flush, send or close continues. Errors: whatever `poll_flush` throws. Thread safety: as
/// the sink; resumes on the thread that polls it.
#include <memory>  // std::addressof

#include "af/sink/sink.hpp"

namespace af::sinks {

/// The future made by `af::sinks::flush`.
template <af::detail::flushable_sink S>
class [[nodiscard("a flush does nothing until it is awaited")]] flush_future {
public:
    using output = void;
    explicit flush_future(S& s) noexcept : s_(std::addressof(s)) {}
    af::poll<void> poll(context& cx) { return s_->poll_flush(cx); }

private:
    S* s_;
};

template <af::detail::flushable_sink S>
flush_future<S> flush(S& s) noexcept {
    return flush_future<S>(s);
}

}  // namespace af::sinks

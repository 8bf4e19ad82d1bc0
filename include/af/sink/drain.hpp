// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::sinks::drain()`: a sink of anything that destroys every item it is given.
///
///     auto bin = af::sinks::drain();
///     co_await af::sinks::send_all(bin, std::move(noise));   // consumes the stream
///
/// Always ready, never fails, counts what it swallowed (`count()`); the `/dev/null` of sinks,
/// for running a producer whose output you do not need. To keep the items, use
/// `af::sinks::collect_into`.
///
/// Cancellation: nothing to lose. Thread safety: one thread at a time.
#include <cstddef>  // std::size_t

#include "af/sink/sink.hpp"

namespace af::sinks {

/// The sink made by `af::sinks::drain`.
class drain_sink {
public:
    af::poll<void> poll_ready(context&) noexcept { return {}; }
    template <class U>
    void start_send(U&&) noexcept {
        ++count_;
    }
    af::poll<void> poll_flush(context&) noexcept { return {}; }
    af::poll<void> poll_close(context&) noexcept { return {}; }

    /// How many items were sent into it.
    std::size_t count() const noexcept { return count_; }

private:
    std::size_t count_ = 0;
};

inline drain_sink drain() noexcept { return drain_sink(); }

}  // namespace af::sinks

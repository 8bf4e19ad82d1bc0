// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::buffer_unordered(n)`: for a stream of futures, runs up to `n` of them at
/// once and yields their outputs in completion order.
///
///     auto bodies = std::move(urls) | af::streams::map(fetch) | af::streams::buffer_unordered(8);
///
/// Each `poll_next` first pulls futures from `s` while fewer than `n` run, then polls the
/// running ones (only those that were woken: they live in an `af::futures_unordered`). Use
/// `af::streams::buffered(n)` when outputs must keep the input order. `n` must be positive.
///
/// Fused. Cancellation: destroying it destroys `s` and every running future (their outputs are
/// lost). Errors: an exception from a future propagates out of `poll_next`; that future is
/// gone, the others keep running. Thread safety: as `s`; the futures' wakers may be woken from
/// any thread.
#include <cassert>   // n > 0
#include <cstddef>   // std::size_t
#include <optional>  // items
#include <utility>   // std::move

#include "af/future/futures_unordered.hpp"
#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::buffer_unordered`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] buffer_unordered_stream {
    using fut = item_of<S>;
    static_assert(future<fut>, "af::streams::buffer_unordered: the items must be af::future");

public:
    using item = typename futures_unordered<fut>::value_type;

    buffer_unordered_stream(S s, std::size_t n) : s_(std::move(s)), n_(n) {
        assert(n > 0 && "af::streams::buffer_unordered: the limit must be positive");
    }

    af::poll<std::optional<item>> poll_next(context& cx) {
        while (!input_done_ && running_.size() < n_) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) break;
            if (!p.value()) {
                input_done_ = true;
                break;
            }
            running_.push(std::move(*p.value()));
        }
        auto out = running_.poll_next(cx);
        if (out.is_pending()) return pending;
        if (out.value()) return out;
        // No future runs: the end, or waiting on `s` (which then registered the waker).
        if (input_done_) return detail::stream_end<item>();
        return pending;
    }

private:
    S s_;
    std::size_t n_;
    futures_unordered<fut> running_;
    bool input_done_ = false;
};

inline auto buffer_unordered(std::size_t n) {
    return detail::make_stream_adaptor([n]<stream S>(S s) { return buffer_unordered_stream<S>(std::move(s), n); });
}

}  // namespace af::streams

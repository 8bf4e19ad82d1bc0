// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::ready_chunks(n)`: the items of `s` that are ready now, in `std::vector`s of
/// at most `n`; never waits to fill a chunk.
///
///     auto batches = std::move(requests) | af::streams::ready_chunks(64);   // batch what queued up
///
/// Each `poll_next` polls `s` until it is pending, ends, or `n` items are gathered; a non-empty
/// chunk is yielded at once, an empty one means pending (or the end). For fixed-size batches,
/// use `af::streams::chunks`. `n` must be positive.
///
/// Fused. Cancellation: destroying it destroys `s`; no item is held between polls.
/// Errors: from `s`; items gathered in that poll are lost with it. Thread safety: as `s`.
#include <cassert>   // n > 0
#include <cstddef>   // std::size_t
#include <optional>  // items
#include <utility>   // std::move
#include <vector>    // chunks

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::ready_chunks`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] ready_chunks_stream {
public:
    using item = std::vector<item_of<S>>;

    ready_chunks_stream(S s, std::size_t n) : s_(std::move(s)), n_(n) {
        assert(n > 0 && "af::streams::ready_chunks: the chunk size must be positive");
    }

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (done_) return detail::stream_end<item>();
        item buf;
        while (buf.size() < n_) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) {
                if (buf.empty()) return pending;
                break;  // `s` registered the waker; this chunk goes out now
            }
            if (!p.value()) {
                done_ = true;
                if (buf.empty()) return detail::stream_end<item>();
                break;
            }
            buf.push_back(std::move(*p.value()));
        }
        return std::optional<item>(std::move(buf));
    }

private:
    S s_;
    std::size_t n_;
    bool done_ = false;
};

inline auto ready_chunks(std::size_t n) {
    return detail::make_stream_adaptor([n]<stream S>(S s) { return ready_chunks_stream<S>(std::move(s), n); });
}

}  // namespace af::streams

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::chunks(n)`: the items of `s` in `std::vector`s of `n`; the last one may be
/// shorter.
///
///     auto batches = std::move(rows) | af::streams::chunks(100);   // insert 100 rows at a time
///
/// A chunk is yielded only when full or at the end of `s`, however long that takes; to send
/// whatever is ready without waiting, use `af::streams::ready_chunks`. `n` must be positive.
///
/// Fused. Cancellation: destroying it destroys `s` and the items of a partial chunk.
/// Errors: from `s`; items buffered so far stay for the next poll. Thread safety: as `s`.
#include <cassert>   // n > 0
#include <cstddef>   // std::size_t
#include <optional>  // items
#include <utility>   // std::move, std::exchange
#include <vector>    // chunks

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::chunks`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] chunks_stream {
public:
    using item = std::vector<item_of<S>>;

    chunks_stream(S s, std::size_t n) : s_(std::move(s)), n_(n) { assert(n > 0 && "af::streams::chunks: the chunk size must be positive"); }

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (done_) return detail::stream_end<item>();
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return pending;
            if (!p.value()) {
                done_ = true;
                if (buf_.empty()) return detail::stream_end<item>();
                return std::optional<item>(std::exchange(buf_, {}));
            }
            if (buf_.empty()) buf_.reserve(n_);
            buf_.push_back(std::move(*p.value()));
            if (buf_.size() == n_) return std::optional<item>(std::exchange(buf_, {}));
        }
    }

private:
    S s_;
    std::size_t n_;
    item buf_;
    bool done_ = false;
};

inline auto chunks(std::size_t n) {
    return detail::make_stream_adaptor([n]<stream S>(S s) { return chunks_stream<S>(std::move(s), n); });
}

}  // namespace af::streams

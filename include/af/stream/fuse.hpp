// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::fuse()`: `s`, but once it ended it is never polled again and every later
/// `poll_next` answers `std::nullopt`.
///
///     auto safe = std::move(foreign) | af::streams::fuse();
///     safe.is_terminated();   // true after the end was seen
///
/// af's own streams are already fused when their inputs are; use this for a stream written
/// elsewhere whose behaviour after the end is unknown. Cancellation: destroying it destroys
/// `s`. Errors: from `s`. Thread safety: as `s`.
#include <optional>  // items
#include <utility>   // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::fuse`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] fuse_stream {
public:
    using item = item_of<S>;

    explicit fuse_stream(S s) : s_(std::move(s)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (done_) return detail::stream_end<item>();
        auto p = s_.poll_next(cx);
        if (p.is_ready() && !p.value()) done_ = true;
        return p;
    }

    /// True once the end was seen.
    bool is_terminated() const noexcept { return done_; }

private:
    S s_;
    bool done_ = false;
};

inline auto fuse() {
    return detail::make_stream_adaptor([]<stream S>(S s) { return fuse_stream<S>(std::move(s)); });
}

}  // namespace af::streams

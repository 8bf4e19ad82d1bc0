// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::skip(n)`: the items of `s` after the first `n`.
///
///     auto rest = std::move(lines) | af::streams::skip(1);   // drop a header line
///
/// Skipped items that are ready at once are consumed inside the same `poll_next`. Pending and
/// waking exactly as `s`; fused if `s` is. Cancellation: destroying it destroys `s` (items
/// already skipped are gone). Errors: from `s`. Thread safety: as `s`.
#include <cstddef>   // std::size_t
#include <optional>  // items
#include <utility>   // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::skip`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] skip_stream {
public:
    using item = item_of<S>;

    skip_stream(S s, std::size_t n) : s_(std::move(s)), left_(n) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending() || !p.value() || left_ == 0) return p;
            --left_;
        }
    }

private:
    S s_;
    std::size_t left_;
};

inline auto skip(std::size_t n) {
    return detail::make_stream_adaptor([n]<stream S>(S s) { return skip_stream<S>(std::move(s), n); });
}

}  // namespace af::streams

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `first | af::streams::chain(second)`: every item of `first`, then every item of `second`.
///
///     auto all = std::move(cached) | af::streams::chain(std::move(fetched));
///
/// `second` is not polled before `first` ended, and `first` not after. Both must have the same
/// item type. Fused if `second` is. Cancellation: destroying it destroys both.
/// Errors: from either stream. Thread safety: as the streams.
#include <optional>     // items
#include <type_traits>  // std::same_as
#include <utility>      // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::chain`.
template <stream S1, stream S2>
class [[nodiscard("a stream does nothing until it is polled")]] chain_stream {
    static_assert(std::is_same_v<item_of<S1>, item_of<S2>>, "af::streams::chain: both streams must have the same item type");

public:
    using item = item_of<S1>;

    chain_stream(S1 a, S2 b) : first_(std::move(a)), second_(std::move(b)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (!first_done_) {
            auto p = first_.poll_next(cx);
            if (p.is_pending() || p.value()) return p;
            first_done_ = true;
        }
        return second_.poll_next(cx);
    }

private:
    S1 first_;
    S2 second_;
    bool first_done_ = false;
};

template <stream S2>
auto chain(S2 second) {
    return detail::make_stream_adaptor([second = std::move(second)]<stream S1>(S1 s) mutable {
        return chain_stream<S1, S2>(std::move(s), std::move(second));
    });
}

}  // namespace af::streams

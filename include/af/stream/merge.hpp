// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `a | af::streams::merge(b)`: the items of both streams as they become ready, ending when both
/// ended (futures-rs calls this `select`).
///
///     auto events = std::move(clicks) | af::streams::merge(std::move(keys));
///
/// Fairness: the stream polled first alternates on every `poll_next`, so a stream that is always
/// ready cannot starve the other. Both must have the same item type (map them to a
/// `std::variant` first otherwise). For one stream after the other, use `af::streams::chain`.
///
/// An ended side is not polled again: fused. Cancellation: destroying it destroys both.
/// Errors: from either. Thread safety: as the streams.
#include <optional>     // items
#include <type_traits>  // std::is_same_v
#include <utility>      // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::merge`.
template <stream S1, stream S2>
class [[nodiscard("a stream does nothing until it is polled")]] merge_stream {
    static_assert(std::is_same_v<item_of<S1>, item_of<S2>>, "af::streams::merge: both streams must have the same item type");

public:
    using item = item_of<S1>;

    merge_stream(S1 a, S2 b) : a_(std::move(a)), b_(std::move(b)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        bool a_first = a_first_;
        a_first_ = !a_first_;
        bool any_pending = false;
        for (int i = 0; i < 2; ++i) {
            bool use_a = (i == 0) == a_first;
            auto p = use_a ? poll_side(a_, a_done_, cx) : poll_side(b_, b_done_, cx);
            if (p.is_pending()) {
                any_pending = true;
            } else if (p.value()) {
                return p;
            }
        }
        if (any_pending) return pending;
        return detail::stream_end<item>();
    }

private:
    // An ended side answers nullopt without being polled.
    template <class S>
    static af::poll<std::optional<item>> poll_side(S& s, bool& done, context& cx) {
        if (done) return detail::stream_end<item>();
        auto p = s.poll_next(cx);
        if (p.is_ready() && !p.value()) done = true;
        return p;
    }

    S1 a_;
    S2 b_;
    bool a_done_ = false;
    bool b_done_ = false;
    bool a_first_ = true;
};

template <stream S2>
auto merge(S2 other) {
    return detail::make_stream_adaptor([other = std::move(other)]<stream S1>(S1 s) mutable {
        return merge_stream<S1, S2>(std::move(s), std::move(other));
    });
}

}  // namespace af::streams

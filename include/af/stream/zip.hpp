// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `a | af::streams::zip(b)`: pairs `{item of a, item of b}`, ending when either stream ends.
///
///     auto numbered = std::move(names) | af::streams::zip(af::streams::iter(std::views::iota(1)));
///
/// Both streams are polled in each `poll_next` until each has produced its half of the pair;
/// a half that is ready early is kept until the other arrives. Once either ended neither is
/// polled again: fused. For a running index, `af::streams::enumerate` is cheaper.
///
/// Cancellation: destroying it destroys both streams and a half-made pair.
/// Errors: from either stream. Thread safety: as the streams.
#include <optional>  // the half kept while waiting for the other
#include <utility>   // std::pair, std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::zip`.
template <stream S1, stream S2>
class [[nodiscard("a stream does nothing until it is polled")]] zip_stream {
public:
    using item = std::pair<item_of<S1>, item_of<S2>>;

    zip_stream(S1 a, S2 b) : a_(std::move(a)), b_(std::move(b)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (done_) return detail::stream_end<item>();
        if (!left_ && !take_half(a_, left_, cx)) return pending;
        if (done_) return detail::stream_end<item>();
        if (!right_ && !take_half(b_, right_, cx)) return pending;
        if (done_) return detail::stream_end<item>();
        item out(std::move(*left_), std::move(*right_));
        left_.reset();
        right_.reset();
        return af::poll<std::optional<item>>(std::in_place, std::in_place, std::move(out));
    }

private:
    // False when pending; sets done_ when the stream ended.
    template <class S, class T>
    bool take_half(S& s, std::optional<T>& slot, context& cx) {
        auto p = s.poll_next(cx);
        if (p.is_pending()) return false;
        if (p.value()) {
            slot.emplace(std::move(*p.value()));
        } else {
            done_ = true;
            left_.reset();
        }
        return true;
    }

    S1 a_;
    S2 b_;
    std::optional<item_of<S1>> left_;
    std::optional<item_of<S2>> right_;
    bool done_ = false;
};

template <stream S2>
auto zip(S2 other) {
    return detail::make_stream_adaptor([other = std::move(other)]<stream S1>(S1 s) mutable {
        return zip_stream<S1, S2>(std::move(s), std::move(other));
    });
}

}  // namespace af::streams

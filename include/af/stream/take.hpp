// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::take(n)`: the first `n` items of `s`, then the end.
///
///     auto three = af::streams::repeat(1) | af::streams::take(3);
///
/// Once `n` items were yielded `s` is not polled again (an endless `s` is fine), and the
/// stream is fused whatever `s` is. `take(0)` never polls `s`. To stop on a condition instead
/// of a count, use `af::streams::take_while`.
///
/// Cancellation: destroying it destroys `s`. Errors: from `s`. Thread safety: as `s`.
#include <cstddef>   // std::size_t
#include <optional>  // items
#include <utility>   // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::take`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] take_stream {
public:
    using item = item_of<S>;

    take_stream(S s, std::size_t n) : s_(std::move(s)), left_(n) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (left_ == 0) return detail::stream_end<item>();
        auto p = s_.poll_next(cx);
        if (p.is_pending()) return pending;
        // An early end of `s` also ends this stream for good.
        left_ = p.value() ? left_ - 1 : 0;
        return p;
    }

private:
    S s_;
    std::size_t left_;
};

inline auto take(std::size_t n) {
    return detail::make_stream_adaptor([n]<stream S>(S s) { return take_stream<S>(std::move(s), n); });
}

}  // namespace af::streams

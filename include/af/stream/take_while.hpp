// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::take_while(pred)`: the items of `s` while `pred(const item&)` holds; the
/// first item that fails it is dropped and ends the stream.
///
///     auto small = std::move(numbers) | af::streams::take_while([](int n) { return n < 10; });
///
/// `pred` is a plain function. After the end `s` is not polled again: fused whatever `s` is.
/// Cancellation: destroying it destroys `s`. Errors: from `s` or `pred`.
/// Thread safety: as `s`.
#include <optional>  // items
#include <utility>   // std::move, std::as_const

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::take_while`.
template <stream S, class Pred>
class [[nodiscard("a stream does nothing until it is polled")]] take_while_stream {
public:
    using item = item_of<S>;

    take_while_stream(S s, Pred pred) : s_(std::move(s)), pred_(std::move(pred)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (done_) return detail::stream_end<item>();
        auto p = s_.poll_next(cx);
        if (p.is_pending()) return pending;
        if (p.value() && pred_(std::as_const(*p.value()))) return p;
        done_ = true;
        return detail::stream_end<item>();
    }

private:
    S s_;
    Pred pred_;
    bool done_ = false;
};

template <class Pred>
auto take_while(Pred pred) {
    return detail::make_stream_adaptor([pred = std::move(pred)]<stream S>(S s) mutable {
        return take_while_stream<S, Pred>(std::move(s), std::move(pred));
    });
}

}  // namespace af::streams

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::skip_while(pred)`: drops items while `pred(const item&)` holds, then
/// yields the first item that fails it and every item after (unchecked).
///
///     auto body = std::move(lines) | af::streams::skip_while([](const std::string& l) { return !l.empty(); });
///
/// `pred` is a plain function and is not called again once it failed. Pending and waking
/// exactly as `s`; fused if `s` is. Cancellation: destroying it destroys `s`. Errors: from `s`
/// or `pred`. Thread safety: as `s`.
#include <optional>  // items
#include <utility>   // std::move, std::as_const

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::skip_while`.
template <stream S, class Pred>
class [[nodiscard("a stream does nothing until it is polled")]] skip_while_stream {
public:
    using item = item_of<S>;

    skip_while_stream(S s, Pred pred) : s_(std::move(s)), pred_(std::move(pred)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending() || !p.value() || passed_) return p;
            if (!pred_(std::as_const(*p.value()))) {
                passed_ = true;
                return p;
            }
        }
    }

private:
    S s_;
    Pred pred_;
    bool passed_ = false;
};

template <class Pred>
auto skip_while(Pred pred) {
    return detail::make_stream_adaptor([pred = std::move(pred)]<stream S>(S s) mutable {
        return skip_while_stream<S, Pred>(std::move(s), std::move(pred));
    });
}

}  // namespace af::streams

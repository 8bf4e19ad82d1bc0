// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::filter(pred)`: the items of `s` for which `pred(const item&)` is true.
///
///     auto evens = std::move(numbers) | af::streams::filter([](int n) { return n % 2 == 0; });
///
/// `pred` is a plain function (futures-rs takes an async predicate; in af, compute async
/// decisions with `then` first). Rejected items that are ready at once are skipped inside the
/// same `poll_next`. To transform and filter in one step, use `af::streams::filter_map`.
///
/// Pending and waking exactly as `s`; fused if `s` is. Cancellation: destroying it destroys `s`.
/// Errors: an exception from `s` or `pred` propagates out of `poll_next` (the item is lost).
/// Thread safety: as `s`.
#include <optional>  // items
#include <utility>   // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::filter`.
template <stream S, class Pred>
class [[nodiscard("a stream does nothing until it is polled")]] filter_stream {
public:
    using item = item_of<S>;

    filter_stream(S s, Pred pred) : s_(std::move(s)), pred_(std::move(pred)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return pending;
            if (!p.value() || pred_(std::as_const(*p.value()))) return p;
        }
    }

private:
    S s_;
    Pred pred_;
};

template <class Pred>
auto filter(Pred pred) {
    return detail::make_stream_adaptor([pred = std::move(pred)]<stream S>(S s) mutable {
        return filter_stream<S, Pred>(std::move(s), std::move(pred));
    });
}

}  // namespace af::streams

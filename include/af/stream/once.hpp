// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::streams::once(f)`: a stream of exactly one item, the output of future `f`.
///
///     auto s = af::streams::once(fetch_config());   // one item, then the end
///     auto v = af::streams::once(af::ready(7));     // a single ready value
///
/// Pending while `f` is; fused. Cancellation: destroying it destroys `f`.
/// Errors: an exception from `f` propagates out of `poll_next`. Thread safety: as `f`.
#include <optional>     // the future until it completed
#include <type_traits>  // std::remove_cvref_t
#include <utility>      // std::move

#include "af/stream/stream.hpp"

namespace af::streams {

/// The stream made by `af::streams::once`.
template <future F>
class [[nodiscard("a stream does nothing until it is polled")]] once_stream {
public:
    using item = output_of<F>;
    explicit once_stream(F f) : f_(std::move(f)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (!f_) return detail::stream_end<item>();
        auto p = f_->poll(cx);
        if (p.is_pending()) return pending;
        f_.reset();
        return af::poll<std::optional<item>>(std::in_place, std::in_place, std::move(p).value());
    }

private:
    std::optional<F> f_;
};

template <class F>
    requires future<std::remove_cvref_t<F>>
once_stream<std::remove_cvref_t<F>> once(F&& f) {
    return once_stream<std::remove_cvref_t<F>>(std::forward<F>(f));
}

}  // namespace af::streams

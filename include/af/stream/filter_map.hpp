// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::filter_map(fn)`: `fn(item)` returns `std::optional<U>`; the stream yields
/// the engaged values and skips the empty ones.
///
///     auto ints = std::move(lines) | af::streams::filter_map([](std::string l) -> std::optional<int> {
///         if (l.empty()) return std::nullopt;
///         return std::stoi(l);
///     });
///
/// `fn` is a plain function; skipped items that are ready at once are consumed inside the same
/// `poll_next`. Pending and waking exactly as `s`; fused if `s` is. Cancellation: destroying it
/// destroys `s`. Errors: an exception from `s` or `fn` propagates out of `poll_next`.
/// Thread safety: as `s`.
#include <optional>     // items
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::filter_map`.
template <stream S, class Fn>
class [[nodiscard("a stream does nothing until it is polled")]] filter_map_stream {
    using result = std::invoke_result_t<Fn&, item_of<S>&&>;

public:
    using item = typename result::value_type;

    filter_map_stream(S s, Fn fn) : s_(std::move(s)), fn_(std::move(fn)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return pending;
            if (!p.value()) return detail::stream_end<item>();
            std::optional<item> out = fn_(std::move(*p.value()));
            if (out) return out;
        }
    }

private:
    S s_;
    Fn fn_;
};

template <class Fn>
auto filter_map(Fn fn) {
    return detail::make_stream_adaptor([fn = std::move(fn)]<stream S>(S s) mutable {
        return filter_map_stream<S, Fn>(std::move(s), std::move(fn));
    });
}

}  // namespace af::streams

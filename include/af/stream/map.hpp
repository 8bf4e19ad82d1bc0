// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::map(fn)`: a stream of `fn(item)` for each item of `s`.
///
///     auto lengths = std::move(words) | af::streams::map([](std::string w) { return w.size(); });
///
/// `fn` is a plain function, run inside `poll_next`; when it returns a future that should be
/// awaited, use `af::streams::then`.
///
/// Pending and waking exactly as `s`; fused if `s` is. Cancellation: destroying it destroys `s`.
/// Errors: an exception from `s` or `fn` propagates out of `poll_next`. Thread safety: as `s`.
#include <optional>     // items
#include <type_traits>  // std::invoke_result_t, std::decay_t
#include <utility>      // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::map`.
template <stream S, class Fn>
class [[nodiscard("a stream does nothing until it is polled")]] map_stream {
public:
    using item = std::invoke_result_t<Fn&, item_of<S>&&>;

    map_stream(S s, Fn fn) : s_(std::move(s)), fn_(std::move(fn)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        auto p = s_.poll_next(cx);
        if (p.is_pending()) return pending;
        if (!p.value()) return detail::stream_end<item>();
        return af::poll<std::optional<item>>(std::in_place, std::in_place, fn_(std::move(*p.value())));
    }

private:
    S s_;
    Fn fn_;
};

template <class Fn>
auto map(Fn fn) {
    return detail::make_stream_adaptor([fn = std::move(fn)]<stream S>(S s) mutable {
        return map_stream<S, Fn>(std::move(s), std::move(fn));
    });
}

}  // namespace af::streams

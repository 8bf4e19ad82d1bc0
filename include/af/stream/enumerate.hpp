// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::enumerate()`: pairs `{index, item}`, the index counting from 0.
///
///     auto lines = std::move(text) | af::streams::enumerate();   // {0, "first"}, {1, "second"}
///
/// Pending and waking exactly as `s`; fused if `s` is. Cancellation: destroying it destroys
/// `s`. Errors: from `s`. Thread safety: as `s`.
#include <cstddef>   // std::size_t
#include <optional>  // items
#include <utility>   // std::pair, std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::enumerate`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] enumerate_stream {
public:
    using item = std::pair<std::size_t, item_of<S>>;

    explicit enumerate_stream(S s) : s_(std::move(s)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        auto p = s_.poll_next(cx);
        if (p.is_pending()) return pending;
        if (!p.value()) return detail::stream_end<item>();
        return af::poll<std::optional<item>>(std::in_place, std::in_place, next_++, std::move(*p.value()));
    }

private:
    S s_;
    std::size_t next_ = 0;
};

inline auto enumerate() {
    return detail::make_stream_adaptor([]<stream S>(S s) { return enumerate_stream<S>(std::move(s)); });
}

}  // namespace af::streams

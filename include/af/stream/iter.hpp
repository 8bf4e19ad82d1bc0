// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::streams::iter(range)`: a stream of the elements of a range, every item ready at once.
///
///     auto s = af::streams::iter(std::vector<int>{1, 2, 3});
///
/// The range is taken by value: a container passed as an lvalue is copied, one passed as an
/// rvalue is moved in, and its elements are then moved out as items. A view (for example
/// `std::views::all(v)` or `std::views::iota(0, 5)`) is iterated in place and its elements are
/// copied, so a borrowed container is never modified; it must outlive the stream.
/// For items that take time to produce, write an `af::async_generator` instead.
///
/// Never pending; fused (`std::nullopt` again after the end). Cancellation: nothing to lose.
/// Thread safety: one thread at a time.
#include <iterator>     // std::ranges::iterator_t
#include <optional>     // the iterator, set at the first poll
#include <ranges>       // std::ranges::input_range, std::ranges::view
#include <type_traits>  // std::decay_t
#include <utility>      // std::move

#include "af/stream/stream.hpp"

namespace af::streams {

/// The stream made by `af::streams::iter`.
template <std::ranges::input_range R>
class [[nodiscard("a stream does nothing until it is polled")]] iter_stream {
public:
    using item = std::ranges::range_value_t<R>;

    explicit iter_stream(R r) : range_(std::move(r)) {}

    af::poll<std::optional<item>> poll_next(context&) {
        // The iterator is taken at the first poll, after the last move of the stream.
        if (!it_) it_.emplace(std::ranges::begin(range_));
        if (*it_ == std::ranges::end(range_)) return detail::stream_end<item>();
        std::optional<item> out;
        if constexpr (std::ranges::view<R>) {
            out.emplace(**it_);
        } else {
            out.emplace(std::ranges::iter_move(*it_));
        }
        ++*it_;
        return out;
    }

private:
    R range_;
    std::optional<std::ranges::iterator_t<R>> it_;
};

template <std::ranges::input_range R>
iter_stream<std::decay_t<R>> iter(R&& r) {
    return iter_stream<std::decay_t<R>>(std::forward<R>(r));
}

}  // namespace af::streams

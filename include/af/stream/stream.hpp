// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::stream` concept: a source of many values over time, polled like a future.
///
/// A stream `S` declares `using item = T;` and
/// `af::poll<std::optional<T>> poll_next(af::context&)`. Each ready poll yields one item, or
/// `std::nullopt` when the stream has ended. The future rules hold per item: `pending` only
/// after arranging a wake, and once polled a stream does not move (its adaptors hand out wakers
/// and pointers into it). Every stream made by af (constructors, adaptors, `async_generator`)
/// keeps answering `std::nullopt` after its end, provided its inputs do; wrap a foreign stream
/// in `af::streams::fuse` to get that guarantee.
///
///     struct counter {
///         using item = int;
///         int n = 0;
///         af::poll<std::optional<int>> poll_next(af::context&) {
///             if (n == 3) return std::optional<int>();
///             return std::optional<int>(n++);
///         }
///     };
///     static_assert(af::stream<counter>);
///
/// Write streams with `af::async_generator` rather than by hand; consume one item with
/// `co_await af::next(s)`. See the book chapter "Streams and generators".
#include <concepts>     // std::same_as
#include <optional>     // the item or the end
#include <type_traits>  // std::remove_cvref_t
#include <utility>      // std::in_place

#include "af/core/future.hpp"

namespace af {

template <class S>
concept stream = requires(S& s, context& cx) {
    typename S::item;
    { s.poll_next(cx) } -> std::same_as<poll<std::optional<typename S::item>>>;
};

/// The item type of stream `S`.
template <class S>
using item_of = typename std::remove_cvref_t<S>::item;

/// `af::poll<std::optional<item_of<S>>>`, what `poll_next` returns.
template <class S>
using poll_next_of = poll<std::optional<item_of<S>>>;

namespace detail {
// The end of a stream, built in place: GCC 12 at -O2 warns (maybe-uninitialized) when an empty
// std::optional is copied into the poll.
template <class T>
poll<std::optional<T>> stream_end() noexcept {
    return poll<std::optional<T>>(std::in_place, std::nullopt);
}
}  // namespace detail

}  // namespace af

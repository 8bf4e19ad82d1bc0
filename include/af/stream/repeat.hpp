// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::streams::repeat(v)`: an endless stream of copies of `v`, every item ready at once.
///
///     auto zeros = af::streams::repeat(0) | af::streams::take(3);   // 0 0 0
///
/// Never pending and never ends: bound it with `take` or `take_while`, or drive it with a
/// consumer that stops. Thread safety: one thread at a time.
#include <optional>     // items
#include <type_traits>  // std::decay_t
#include <utility>      // std::move

#include "af/stream/stream.hpp"

namespace af::streams {

/// The stream made by `af::streams::repeat`.
template <class T>
class [[nodiscard("a stream does nothing until it is polled")]] repeat_stream {
public:
    using item = T;
    explicit repeat_stream(T v) : value_(std::move(v)) {}
    af::poll<std::optional<T>> poll_next(context&) { return std::optional<T>(value_); }

private:
    T value_;
};

template <class T>
repeat_stream<std::decay_t<T>> repeat(T&& v) {
    return repeat_stream<std::decay_t<T>>(std::forward<T>(v));
}

}  // namespace af::streams

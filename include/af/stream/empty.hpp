// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::streams::empty<T>()`: a stream of `T` that ends at once.
///
///     auto none = af::streams::empty<int>();   // poll_next is ready with std::nullopt
///
/// Useful as the identity of `chain` or as a placeholder of the right type. Never pending;
/// fused. Thread safety: any.
#include <optional>  // the end

#include "af/stream/stream.hpp"

namespace af::streams {

/// The stream made by `af::streams::empty`.
template <class T>
class [[nodiscard("a stream does nothing until it is polled")]] empty_stream {
public:
    using item = T;
    af::poll<std::optional<T>> poll_next(context&) noexcept { return detail::stream_end<T>(); }
};

template <class T>
empty_stream<T> empty() noexcept {
    return {};
}

}  // namespace af::streams

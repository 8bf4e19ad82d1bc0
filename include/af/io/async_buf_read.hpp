// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::io::async_buf_read` concept: a reader with an internal buffer that can be looked at
/// before it is consumed.
///
/// `poll_fill_buf(cx)` returns the buffered bytes, reading more first if the buffer is empty;
/// an empty span means end of stream. The span stays valid until the next call on the object.
/// `consume(n)` marks the first `n` of those bytes as used (at most the span's size). Lookahead
/// without copying is what line splitting and framing need.
///
///     af::io::buf_reader br(std::move(reader));
///     static_assert(af::io::async_buf_read<decltype(br)>);
///
/// `af::io::buf_reader` turns any `async_read` into one; `af::io::lines` consumes one. See the
/// book chapter "I/O traits".
#include <concepts>  // std::same_as
#include <cstddef>   // std::byte, std::size_t
#include <span>      // the buffered bytes

#include "af/core/future.hpp"

namespace af::io {

template <class R>
concept async_buf_read = requires(R& r, context& cx, std::size_t n) {
    { r.poll_fill_buf(cx) } -> std::same_as<poll<std::span<const std::byte>>>;
    r.consume(n);
};

}  // namespace af::io

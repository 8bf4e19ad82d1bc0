// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::io::async_read` concept: a source of bytes, polled like a future.
///
/// `poll_read(cx, buf)` copies up to `buf.size()` bytes into `buf` and returns how many, or
/// `af::pending` after arranging for `cx.waker()` to be woken when bytes (or the end) arrive.
/// Conventions, shared by every af I/O type:
/// - **Ready with 0 means end of stream** (for a non-empty `buf`). The end is not an error;
///   polling again after it keeps returning 0.
/// - **Short reads are normal**: a ready read may fill only part of `buf`. Use
///   `af::io::read_exact` when you need all of it.
/// - **Errors throw** `std::system_error` out of `poll_read`.
///
///     struct zeros {
///         af::poll<std::size_t> poll_read(af::context&, std::span<std::byte> buf) {
///             std::ranges::fill(buf, std::byte{0});
///             return buf.size();
///         }
///     };
///     static_assert(af::io::async_read<zeros>);
///
/// Await reads with the helpers (`af::io::read`, `read_exact`, `read_to_end`); add buffering
/// with `af::io::buf_reader`. See the book chapter "I/O traits".
#include <concepts>  // std::same_as
#include <cstddef>   // std::byte, std::size_t
#include <span>      // the destination bytes

#include "af/core/future.hpp"

namespace af::io {

template <class R>
concept async_read = requires(R& r, context& cx, std::span<std::byte> buf) {
    { r.poll_read(cx, buf) } -> std::same_as<poll<std::size_t>>;
};

}  // namespace af::io

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::io::codec` concept: how `af::io::framed` cuts bytes into frames and frames into
/// bytes.
///
/// A codec declares `using frame = F;` and three members:
/// - `decode(in, used)`: `in` is every byte received and not yet used. Return a frame and set
///   `used` to the bytes it took (at least 1), or `std::nullopt` when `in` holds no complete
///   frame yet (then `used` is ignored and the same bytes come back, with more, next time).
///   Throw `af::io::frame_error` for bytes that can never become a valid frame, as soon as
///   that is known: a codec with a maximum length must refuse a frame once it is known to be
///   too long, not after buffering it, so a bad peer costs neither memory nor a hang.
/// - `decode_eof(in, used)`: as `decode`, called after the end of the stream, repeatedly
///   until it returns `std::nullopt`; leftover bytes that are not a frame should throw
///   (`error::truncated_frame`) rather than vanish silently.
/// - `encode(frame, out)`: append the bytes of `frame` to `out`.
///
/// Shipped codecs: `af::io::lines_codec` (text lines) and `af::io::length_delimited_codec`
/// (a big-endian u32 length, then the payload).
#include <concepts>  // std::same_as
#include <cstddef>   // std::byte, std::size_t
#include <optional>  // a frame or not yet
#include <span>      // the received bytes
#include <vector>    // the encoded bytes

namespace af::io {

template <class C>
concept codec = requires(C& c, std::span<const std::byte> in, std::size_t& used, const typename C::frame& f,
                         std::vector<std::byte>& out) {
    typename C::frame;
    { c.decode(in, used) } -> std::same_as<std::optional<typename C::frame>>;
    { c.decode_eof(in, used) } -> std::same_as<std::optional<typename C::frame>>;
    c.encode(f, out);
};

}  // namespace af::io

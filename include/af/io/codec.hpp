// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::io::codec` concept: how `af::io::framed` cuts bytes into frames and frames into
/// bytes. Codecs work on an `af::bytes_mut`, so a frame can be handed out as a piece of the
/// receive buffer (`in.split_to(n).freeze()`) instead of a copy.
///
/// A codec declares `using frame = F;` and three members:
/// - `decode(in)`: `in` holds every byte received and not yet taken. Take one frame's bytes
///   off its front (`in.split_to(n)`, `in.advance(n)`) and return the frame, or return
///   `std::nullopt` when `in` holds no complete frame yet (normally leaving `in` as it is;
///   the same bytes come back, with more, next time). Throw `af::io::frame_error` for bytes
///   that can never become a valid frame, as soon as that is known: a codec with a maximum
///   length must refuse a frame once it is known to be too long, not after buffering it, so
///   a bad peer costs neither memory nor a hang.
/// - `decode_eof(in)`: as `decode`, called after the end of the stream, repeatedly until it
///   returns `std::nullopt`; leftover bytes that are not a frame should throw
///   (`error::truncated_frame`) rather than vanish silently.
/// - `encode(frame, out)`: append the bytes of `frame` to `out` (`out.put(...)`).
///
///     struct u8_codec {   // frames of at most 255 bytes, after a 1-byte length
///         using frame = af::bytes;
///         std::optional<frame> decode(af::bytes_mut& in) {
///             if (in.empty() || in.size() < 1 + std::to_integer<std::size_t>(in[0])) return std::nullopt;
///             std::size_t n = std::to_integer<std::size_t>(in[0]);
///             in.advance(1);
///             return in.split_to(n).freeze();
///         }
///         ...
///     };
///
/// Shipped codecs: `af::io::lines_codec` (text lines) and `af::io::length_delimited_codec`
/// (a big-endian u32 length, then the payload). Thread safety: a codec is used by one
/// `framed`, one thread at a time.
#include <concepts>  // std::same_as
#include <optional>  // a frame or not yet

#include "af/bytes/bytes.hpp"      // af::bytes, frames handed out without a copy
#include "af/bytes/bytes_mut.hpp"  // af::bytes_mut, the receive and send buffers

namespace af::io {

/// The read half of a codec: `decode` and `decode_eof` from an `af::bytes_mut`.
template <class C>
concept decoder = requires(C& c, af::bytes_mut& in) {
    typename C::frame;
    { c.decode(in) } -> std::same_as<std::optional<typename C::frame>>;
    { c.decode_eof(in) } -> std::same_as<std::optional<typename C::frame>>;
};

/// The write half of a codec: `encode(frame, out)` into an `af::bytes_mut`.
template <class C>
concept encoder = requires(C& c, const typename C::frame& f, af::bytes_mut& out) { c.encode(f, out); };

template <class C>
concept codec = decoder<C> && encoder<C>;

}  // namespace af::io

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::length_delimited_codec`: frames of bytes, each sent as a big-endian 32-bit length
/// and then that many bytes, with a maximum frame length; for `af::io::framed`.
///
///     auto rpc = af::io::framed(std::move(conn), af::io::length_delimited_codec(1 << 20));
///     co_await af::sinks::send(rpc, af::bytes::copy_from(request));   // frames are af::bytes
///     std::optional<af::bytes> reply = co_await af::next(rpc);
///
/// Decoding reads the 4-byte header first and throws `af::io::frame_error`
/// (`error::frame_too_long`) at once when it announces more than `max_frame_length` bytes,
/// before any of the payload is buffered; a stream that ends inside a frame throws
/// `error::truncated_frame`. Encoding a frame over the maximum throws the same
/// `frame_too_long` and writes nothing. A header is 4 bytes, so a 0-byte frame is valid.
///
/// Frames are `af::bytes` cut out of the receive buffer (`split_to(len).freeze()`): decoding
/// copies nothing, and once the application drops its frames `framed` reuses the buffer's
/// memory. Encoding copies the payload after its header into the send buffer.
#include <cstddef>  // std::byte, std::size_t
#include <cstdint>  // std::uint32_t
#include <optional> // a frame or not yet
#include <string>   // messages

#include "af/bytes/bytes.hpp"      // the frames
#include "af/bytes/bytes_mut.hpp"  // the buffers decoded from and encoded into
#include "af/io/error.hpp"

namespace af::io {

class length_delimited_codec {
public:
    using frame = af::bytes;
    static constexpr std::size_t default_max_frame_length = 8 * 1024 * 1024;
    static constexpr std::size_t header_size = 4;

    explicit length_delimited_codec(std::size_t max_frame_length = default_max_frame_length) noexcept
        : max_(max_frame_length < 0xffffffffu ? max_frame_length : 0xffffffffu) {}
    std::size_t max_frame_length() const noexcept { return max_; }

    std::optional<frame> decode(af::bytes_mut& in) const {
        if (in.size() < header_size) return std::nullopt;
        std::size_t len = 0;
        for (std::size_t i = 0; i < header_size; ++i) len = (len << 8) | static_cast<std::size_t>(in[i]);
        if (len > max_) too_long(len);
        if (in.size() - header_size < len) return std::nullopt;
        in.advance(header_size);
        return in.split_to(len).freeze();  // the payload's own bytes, not a copy
    }

    std::optional<frame> decode_eof(af::bytes_mut& in) const {
        if (auto f = decode(in)) return f;
        if (in.empty()) return std::nullopt;
        throw frame_error(error::truncated_frame,
                          "stream ended with " + std::to_string(in.size()) + " bytes of an unfinished frame");
    }

    void encode(const frame& f, af::bytes_mut& out) const {
        if (f.size() > max_) too_long(f.size());
        out.reserve(header_size + f.size());
        out.put_u32(static_cast<std::uint32_t>(f.size()));
        out.put(f);
    }

private:
    [[noreturn]] void too_long(std::size_t n) const {
        throw frame_error(error::frame_too_long,
                          "frame of " + std::to_string(n) + " bytes is over the maximum of " + std::to_string(max_));
    }

    std::size_t max_;
};

}  // namespace af::io

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::lines_codec`: a codec of text lines (frames are `std::string`) with a maximum line
/// length, for `af::io::framed`.
///
///     auto chat = af::io::framed(std::move(conn), af::io::lines_codec(1024));
///     co_await af::sinks::send(chat, std::string("hello"));         // writes "hello\n"
///     auto line = co_await af::next(chat);                   // "\n" or "\r\n" stripped
///
/// Decoding splits at "\n" and strips it and a "\r" before it; at end of stream, leftover bytes
/// are a last line. A line longer than `max_length` bytes (not counting its line ending) throws
/// `af::io::frame_error` (`error::frame_too_long`) as soon as `max_length + 2` bytes have
/// arrived without a "\n", so at most that much is ever buffered for one line. Unlike tokio's
/// codec, which discards the long line and goes on, the stream then stops: the error is the
/// end. Encoding appends the string and "\n"; the string should not contain "\n" itself.
/// Lines are copied out of the receive buffer into their `std::string` (text wants its own
/// storage); for frames that stay bytes, `length_delimited_codec` hands out `af::bytes`.
///
/// Compared with `af::io::lines`: same splitting rules, but a length limit and a sink side.
#include <algorithm>    // std::find, std::min
#include <cstddef>      // std::byte, std::size_t
#include <optional>     // a frame or not yet
#include <span>         // a line's bytes
#include <string>       // the frames
#include <string_view>  // encoding

#include "af/bytes/bytes_mut.hpp"  // the buffers decoded from and encoded into
#include "af/io/error.hpp"

namespace af::io {

class lines_codec {
public:
    using frame = std::string;
    static constexpr std::size_t default_max_length = 64 * 1024;

    explicit lines_codec(std::size_t max_length = default_max_length) noexcept : max_(max_length) {}
    std::size_t max_length() const noexcept { return max_; }

    std::optional<std::string> decode(af::bytes_mut& in) {
        // Bytes before scanned_ were searched on an earlier call; do not search them again.
        const std::byte* from = in.begin() + std::min(scanned_, in.size());
        const std::byte* nl = std::find(from, static_cast<const af::bytes_mut&>(in).end(), std::byte{'\n'});
        if (nl == in.end()) {
            // One byte of slack: a "\r" may still precede the "\n". Written without `max_ + 1`,
            // which would wrap to 0 for a maximum of SIZE_MAX and refuse every partial line.
            if (!in.empty() && in.size() - 1 > max_) too_long(in.size());
            scanned_ = in.size();
            return std::nullopt;
        }
        scanned_ = 0;
        auto used = static_cast<std::size_t>(nl - in.begin()) + 1;
        std::string line = make_line(in.as_span().first(used - 1));
        in.advance(used);
        return line;
    }

    std::optional<std::string> decode_eof(af::bytes_mut& in) {
        if (auto line = decode(in)) return line;
        if (in.empty()) return std::nullopt;
        scanned_ = 0;
        std::string line = make_line(in.as_span());
        in.advance(in.size());
        return line;
    }

    void encode(const std::string& line, af::bytes_mut& out) const {
        out.reserve(line.size() + 1);
        out.put(std::string_view(line));
        out.put_u8('\n');
    }

private:
    std::string make_line(std::span<const std::byte> b) const {
        if (!b.empty() && b.back() == std::byte{'\r'}) b = b.first(b.size() - 1);
        if (b.size() > max_) too_long(b.size());
        return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    }
    [[noreturn]] void too_long(std::size_t n) const {
        throw frame_error(error::frame_too_long, "line of at least " + std::to_string(n) + " bytes is over the maximum of " +
                                                     std::to_string(max_));
    }

    std::size_t max_;
    std::size_t scanned_ = 0;
};

}  // namespace af::io

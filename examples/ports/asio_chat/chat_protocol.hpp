// SPDX-License-Identifier: MIT
#pragma once
// The wire format of Asio's chat example, shared by the af server and client: each message is
// a 4-character decimal length, right-aligned and space-padded ("  12"), then that many bytes
// of body, at most 512.
#include <array>        // the header
#include <cstddef>      // std::byte, std::size_t
#include <memory>       // std::shared_ptr: one encoded message shared by every queue
#include <optional>     // a header that does not parse
#include <span>         // byte views of the header and body
#include <string>       // the encoded message
#include <string_view>  // bodies
#include <system_error> // a stream cut inside a header

#include "af/core/task.hpp"
#include "af/io/read.hpp"
#include "af/io/read_exact.hpp"

namespace chat {

inline constexpr std::size_t header_length = 4;
inline constexpr std::size_t max_body_length = 512;

/// Header and body, encoded once and shared by every participant's queue.
using message = std::shared_ptr<const std::string>;

/// The encoded message for `body` (cut at max_body_length, as the original client does).
inline message encode(std::string_view body) {
    if (body.size() > max_body_length) body = body.substr(0, max_body_length);
    std::string s(header_length, ' ');
    std::size_t n = body.size();
    for (std::size_t i = header_length; n > 0 || i == header_length; n /= 10) s[--i] = static_cast<char>('0' + n % 10);
    s += body;
    return std::make_shared<const std::string>(std::move(s));
}

/// The body length a header announces; nullopt unless it is spaces then digits, at most
/// max_body_length (stricter than the original's atoi, which reads "12ab" as 12).
inline std::optional<std::size_t> decode_header(const std::array<char, header_length>& h) {
    std::size_t i = 0, n = 0;
    while (i < header_length && h[i] == ' ') ++i;
    if (i == header_length) return std::nullopt;
    for (; i < header_length; ++i) {
        if (h[i] < '0' || h[i] > '9') return std::nullopt;
        n = n * 10 + static_cast<std::size_t>(h[i] - '0');
    }
    if (n > max_body_length) return std::nullopt;
    return n;
}

/// Reads one message's body from `r`: nullopt at a clean end of stream (before a header) or
/// for a bad header. Throws what the stream throws (a peer gone mid-message: unexpected_eof).
template <class R>
af::task<std::optional<std::string>> read_message(R& r) {
    std::array<char, header_length> h{};
    std::size_t got = 0;
    while (got < h.size()) {  // read_exact would call a clean close an error
        std::size_t n = co_await af::io::read(r, std::as_writable_bytes(std::span(h)).subspan(got));
        if (n == 0) {
            if (got == 0) co_return std::nullopt;
            throw std::system_error(make_error_code(std::errc::connection_aborted), "chat: end of stream in a header");
        }
        got += n;
    }
    std::optional<std::size_t> len = decode_header(h);
    if (!len) co_return std::nullopt;
    std::string body(*len, '\0');
    co_await af::io::read_exact(r, std::as_writable_bytes(std::span(body)));
    co_return body;
}

}  // namespace chat

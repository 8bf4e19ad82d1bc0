// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::error`: the failures af::http detects itself, as `af::error` codes (category
/// "af.http"), following docs/design/0015-error-model.md.
///
///     try { auto all = co_await req.body().collect(1 << 20); }
///     catch (const std::system_error& e) {
///         if (e.code() == af::http::error::body_too_large) { /* answer 413 */ }
///     }
///
/// A server connection answers most of them itself (400, 408, 413, 431) before a service
/// sees the request; a service meets them only while reading a request body.
#include <string>        // messages
#include <system_error>  // std::error_category

#include "af/core/error.hpp"  // af::error

namespace af::http {

enum class error {
    malformed = 1,       ///< the peer sent bytes that are not HTTP/1.1 (400)
    head_too_large,      ///< the start line and fields exceed the limit (server: 431)
    too_many_headers,    ///< more header fields than the limit (431)
    body_too_large,      ///< the body exceeds the limit (413)
    timed_out,           ///< the peer was too slow to send the head (server: 408)
    incomplete_body,     ///< the connection ended before the body did
    body_gone,           ///< the body was read after its exchange was over
    length_mismatch,     ///< a streamed body produced another size than its length()
    connection_closed,   ///< the peer closed the connection before a complete message (client: 0 bytes of a response)
    unsupported_scheme,  ///< a URL whose scheme af::http cannot speak (only http:// for now)
    body_timed_out,      ///< the peer was too slow to send the next part of a body (408)
};

namespace detail {
class http_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "af.http"; }
    std::string message(int c) const override {
        switch (static_cast<error>(c)) {
            case error::malformed: return "malformed http message";
            case error::head_too_large: return "message head too large";
            case error::too_many_headers: return "too many header fields";
            case error::body_too_large: return "body too large";
            case error::timed_out: return "timed out reading the message head";
            case error::incomplete_body: return "connection closed before the end of the body";
            case error::body_gone: return "body read after its exchange ended";
            case error::length_mismatch: return "body size differs from its declared length";
            case error::connection_closed: return "connection closed before a complete message";
            case error::unsupported_scheme: return "unsupported url scheme";
            case error::body_timed_out: return "timed out waiting for the body";
        }
        return "unknown af.http error";
    }
};
}  // namespace detail

inline const std::error_category& http_category() noexcept {
    static const detail::http_category c;
    return c;
}

inline std::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), http_category()}; }

}  // namespace af::http

template <>
struct std::is_error_code_enum<af::http::error> : std::true_type {};

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::version`: the protocol version of a message (HTTP/1.0, HTTP/1.1, HTTP/2).
///
///     if (req.version() == af::http::version::http_1_0) { /* no chunked responses */ }
///
/// One enum for every version, so that requests and responses have one type whichever
/// connection carried them (docs/design/0020-http-body-and-service.md). Thread safety: a value.
#include <cstdint>      // the underlying type
#include <string_view>  // to_string

namespace af::http {

enum class version : std::uint8_t { http_1_0, http_1_1, http_2 };

/// "HTTP/1.0", "HTTP/1.1" or "HTTP/2".
constexpr std::string_view to_string(version v) noexcept {
    switch (v) {
        case version::http_1_0: return "HTTP/1.0";
        case version::http_1_1: return "HTTP/1.1";
        case version::http_2: return "HTTP/2";
    }
    return "HTTP/1.1";
}

}  // namespace af::http

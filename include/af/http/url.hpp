// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::url`: an absolute http URL split into what a client needs to send a request:
/// the origin to connect to (scheme, host, port) and the request-target to put on the wire.
///
///     auto u = af::http::url::parse("http://example.com:8080/a%20b?q=1#top");
///     u.host();        // "example.com"       (an IPv6 literal keeps its brackets: "[::1]")
///     u.port();        // 8080                (80 when the URL gives none)
///     u.target();      // "/a%20b?q=1"        (origin form: no fragment, "/" when empty)
///     u.authority();   // "example.com:8080"  (the Host field: the port only when not 80)
///
/// Parsed with Boost.URL (RFC 3986), so percent-encoding, IPv6 literals and odd but valid
/// URLs are read as the RFC says, not as a hand-written splitter guesses. The scheme is
/// matched case-insensitively; `http` and `https` are accepted here (the client refuses https
/// until af::http has TLS). Errors: `std::invalid_argument` naming the URL when it is not an
/// absolute URL with a host, or its port is not a number in 1..65535 (a bug in the caller's
/// input); `af::error` with `af::http::error::unsupported_scheme` naming the scheme for any
/// other scheme ("ftp://h/"). Thread safety: a value.
#include <cstdint>      // the port
#include <string>       // the parts
#include <string_view>  // the input

namespace af::http {

class url {
public:
    /// See the file comment. Throws std::invalid_argument or af::error (unsupported_scheme).
    static url parse(std::string_view text);  // src/http/url.cpp

    /// "http" or "https", lower case.
    const std::string& scheme() const noexcept { return scheme_; }
    bool is_https() const noexcept { return scheme_ == "https"; }
    /// The host as written (percent-decoding is not applied; IPv6 in brackets), lower case.
    const std::string& host() const noexcept { return host_; }
    std::uint16_t port() const noexcept { return port_; }
    /// The origin-form request-target: path (at least "/") and "?query" if any.
    const std::string& target() const noexcept { return target_; }
    /// host, or host:port when the port is not the scheme's default: the Host field's value.
    std::string authority() const;
    /// "host:port", what af::net::lookup_host takes.
    std::string host_and_port() const { return host_ + ":" + std::to_string(port_); }

private:
    std::string scheme_, host_, target_;
    std::uint16_t port_ = 80;
};

}  // namespace af::http

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::request`: a request line (method, target, version), header fields and a body.
///
///     af::http::request req(af::http::method::post, "/upload?id=7", "payload");
///     req.headers().append(af::http::header::content_type, "text/plain");
///     std::string_view p = req.path();     // "/upload"
///     std::string_view q = req.query();    // "id=7"
///
/// The same type whichever protocol carried it (HTTP/1.1 today, HTTP/2 next): `target()` is
/// the request-target as sent (origin form "/p?q", or absolute, authority or asterisk form),
/// and `version()` says which protocol. A server hands a service a request whose body is read
/// from the connection as the service polls it (see body.hpp), and says where it came from:
/// `remote_addr()` (the peer, e.g. for X-Forwarded-For or a log line) and `local_addr()` (the
/// address it arrived at), filled by af::http::server from the accepted socket and by
/// `serve_connection` when given (see server_connection.hpp). Thread safety: a plain value.
#include <optional>     // the connection's addresses
#include <string>       // the target
#include <string_view>  // path and query
#include <utility>      // std::move

#include "af/http/body.hpp"
#include "af/http/header_map.hpp"
#include "af/http/method.hpp"
#include "af/http/version.hpp"
#include "af/net/socket_addr.hpp"

namespace af::http {

class request {
public:
    request() = default;
    request(http::method m, std::string target, http::body b = {})
        : method_(std::move(m)), target_(std::move(target)), body_(std::move(b)) {}

    const http::method& method() const noexcept { return method_; }
    void set_method(http::method m) { method_ = std::move(m); }
    /// The request-target as received ("/path?query" in the common origin form).
    const std::string& target() const noexcept { return target_; }
    void set_target(std::string t) { target_ = std::move(t); }
    /// The target up to '?' (or '#').
    std::string_view path() const noexcept {
        std::string_view t = target_;
        return t.substr(0, t.find_first_of("?#"));
    }
    /// The text after '?', up to '#'; empty when there is none.
    std::string_view query() const noexcept {
        std::string_view t = target_;
        auto q = t.find('?');
        if (q == std::string_view::npos) return {};
        t.remove_prefix(q + 1);
        return t.substr(0, t.find('#'));
    }
    http::version version() const noexcept { return version_; }
    void set_version(http::version v) noexcept { version_ = v; }
    header_map& headers() noexcept { return headers_; }
    const header_map& headers() const noexcept { return headers_; }
    http::body& body() noexcept { return body_; }
    /// Moves the body out (the request keeps an empty one).
    http::body take_body() noexcept { return std::exchange(body_, http::body()); }
    void set_body(http::body b) noexcept { body_ = std::move(b); }
    /// The address of the peer that sent this request; empty for a request built by hand or
    /// served by `serve_connection` without addresses. Behind a proxy it is the proxy's.
    const std::optional<af::net::socket_addr>& remote_addr() const noexcept { return remote_; }
    void set_remote_addr(std::optional<af::net::socket_addr> a) noexcept { remote_ = a; }
    /// The local address the request arrived at (empty as for remote_addr()).
    const std::optional<af::net::socket_addr>& local_addr() const noexcept { return local_; }
    void set_local_addr(std::optional<af::net::socket_addr> a) noexcept { local_ = a; }

private:
    http::method method_;
    std::string target_ = "/";
    http::version version_ = http::version::http_1_1;
    header_map headers_;
    http::body body_;
    std::optional<af::net::socket_addr> remote_, local_;
};

}  // namespace af::http

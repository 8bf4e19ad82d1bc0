// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::response`: a status, header fields and a body.
///
///     af::http::response r(af::http::status::ok, "hello\n");
///     r.headers().append(af::http::header::content_type, "text/plain");
///     af::http::response e(af::http::status::not_found);
///
/// The connection adds the framing fields itself (Content-Length or Transfer-Encoding from the
/// body's `length()`, Date, Connection): a service sets neither Content-Length nor
/// Transfer-Encoding (they are ignored, except Content-Length on a response to HEAD, whose
/// body is never sent). `Connection: close` from the service closes the connection after this
/// response. A 101 to an Upgrade request or a 2xx to CONNECT can carry an upgrade handler
/// (`on_upgrade`, see upgrade.hpp) that gets the raw connection once the head is written.
/// Thread safety: a plain value.
#include <utility>  // std::move

#include "af/http/body.hpp"
#include "af/http/header_map.hpp"
#include "af/http/status.hpp"
#include "af/http/upgrade.hpp"
#include "af/http/version.hpp"

namespace af::http {

class response {
public:
    response() = default;
    explicit response(http::status s, http::body b = {}) noexcept : status_(s), body_(std::move(b)) {}

    http::status status() const noexcept { return status_; }
    void set_status(http::status s) noexcept { status_ = s; }
    http::version version() const noexcept { return version_; }
    void set_version(http::version v) noexcept { version_ = v; }
    header_map& headers() noexcept { return headers_; }
    const header_map& headers() const noexcept { return headers_; }
    http::body& body() noexcept { return body_; }
    http::body take_body() noexcept { return std::exchange(body_, http::body()); }
    void set_body(http::body b) noexcept { body_ = std::move(b); }
    /// Runs `h` on the raw connection after this response's head is written, when the
    /// response is a 101 to a request with Upgrade or a 2xx to CONNECT (see upgrade.hpp).
    void on_upgrade(upgrade_handler h) noexcept { upgrade_ = std::move(h); }
    bool has_upgrade() const noexcept { return static_cast<bool>(upgrade_); }
    upgrade_handler take_upgrade() noexcept { return std::exchange(upgrade_, upgrade_handler()); }

private:
    http::status status_ = http::status::ok;
    http::version version_ = http::version::http_1_1;
    header_map headers_;
    http::body body_;
    upgrade_handler upgrade_;
};

}  // namespace af::http

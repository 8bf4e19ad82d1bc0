// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Umbrella header of af::http: HTTP/1.1 messages, bodies, services and the server (the
/// hyper analog; link the `af::http` CMake target, built when llhttp is installed).
///
///     auto hello = [](af::http::request req) -> af::task<af::http::response> {
///         af::http::response r(af::http::status::ok, "hello " + std::string(req.path()) + "\n");
///         r.headers().append(af::http::header::content_type, "text/plain");
///         co_return r;
///     };
///     auto srv = af::http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), hello);
///     co_await srv.run();
///
/// Which piece: `request` / `response` / `header_map` / `body` are the message model (one for
/// HTTP/1.1 and the coming HTTP/2); a `service` is any callable from a request to a future
/// of a response; `serve_connection` serves one connection of any byte stream; `server`
/// accepts TCP connections, applies limits and shuts down gracefully; `client` sends requests
/// over a keep-alive connection pool, and `url` parses the URLs it takes; `upgraded` is the raw
/// connection a service gets after a 101 or a CONNECT. See the book chapter "HTTP",
/// docs/design/0020-http-body-and-service.md and 0023-http-upgrades.md.
#include "af/http/body.hpp"
#include "af/http/client.hpp"
#include "af/http/error.hpp"
#include "af/http/header_map.hpp"
#include "af/http/method.hpp"
#include "af/http/request.hpp"
#include "af/http/response.hpp"
#include "af/http/server.hpp"
#include "af/http/server_connection.hpp"
#include "af/http/service.hpp"
#include "af/http/status.hpp"
#include "af/http/upgrade.hpp"
#include "af/http/url.hpp"
#include "af/http/version.hpp"
#include "af/net/socket_addr.hpp"  // server::bind's address

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::client`: sends HTTP/1.1 requests over pooled keep-alive connections.
///
///     af::http::client c;                                     // cheap to copy: copies share the pool
///     af::http::response r = co_await c.get("http://127.0.0.1:8080/hello");
///     while (auto chunk = co_await af::next(r.body())) consume(*chunk);   // read as it arrives
///
///     af::http::request up(af::http::method::post, "http://host/upload", af::http::body::from_stream(chunks()));
///     up.headers().append(af::http::header::expect, "100-continue");   // wait for the server's go
///     af::http::response done = co_await c.send(std::move(up));
///
/// A request's target is an absolute `http://` URL (parsed by `af::http::url`); the client
/// connects to its host (DNS through `af::net::lookup_host`), sends the origin-form target
/// with a Host field, and frames the body itself: Content-Length when `body.length()` is
/// known, else chunked (with the body's trailers). `send` returns once the response head is
/// in; the response body is a stream read from the socket only as the caller polls it, so at
/// most one read buffer is held beyond what the caller has not read yet. Response framing:
/// Content-Length, chunked (trailers in `body().trailers()` after the end), read-to-close,
/// and no body for HEAD, 1xx, 204 and 304. Interim 1xx responses are skipped.
///
/// The pool keeps idle connections per origin (scheme, host, port), at most
/// `max_idle_per_host` each, for `idle_timeout`. A connection goes back to it when its
/// response body has been read to the end and neither side said `Connection: close`. Before
/// one is reused it is polled for readability: a connection the server has closed (or on
/// which it sent anything unasked) is dropped, never handed out. Retry: when a reused
/// connection fails with `connection_closed` (the server closed or reset it in the meantime,
/// before any byte of the response came back), a request with an idempotent method (GET,
/// HEAD, PUT, DELETE, OPTIONS, TRACE; RFC 9110 9.2.2) whose body can be sent again (one chunk
/// or none) is retried once on a new connection; any other request fails with that error
/// (the server may have acted on it). `Expect: 100-continue` (set by the caller) sends the
/// head alone and waits for the 100, a final status (then the body is not sent and the
/// connection is not reused), or `expect_continue_timeout` (then the body goes anyway).
///
/// Errors (each throws out of `send`, or out of the body stream when it happens there; the
/// client's own messages say what failed and end with the exchange, "(GET http://h:p/path)"):
/// - `af::error` with an `af::http::error` code: `connection_closed` when the server closed
///   or reset the connection before a complete response head (and no retry applied);
///   `unsupported_scheme` for a URL whose scheme is not http (https: no TLS yet);
///   `malformed`, `head_too_large`, `too_many_headers` for a bad response; `incomplete_body`
///   for a response body cut short by a close; `length_mismatch` for a request body that
///   produced another size than its `length()`;
/// - `af::error` with `af::errc::timed_out` when `connect_timeout` or `request_timeout` passes;
/// - the resolver's and the socket's `std::system_error`s (a refused connect says
///   "connect host:port: Connection refused"; codes as the OS gives them);
/// - `std::invalid_argument` for a target that is not an absolute URL with a host.
///
/// Cancellation: dropping `send` (or a response body before its end) closes that connection;
/// it never goes back to the pool half-read, and the pool stays usable. Thread safety: a
/// client (and its copies) may be used from any number of tasks and threads at once; one
/// response body is read by one task at a time. Connections belong to the runtime that made
/// them: use a client inside one runtime. See docs/design/0020-http-body-and-service.md.
#include <chrono>   // timeouts
#include <cstddef>  // std::size_t
#include <cstdint>  // counters
#include <memory>   // the shared pool
#include <string>   // urls

#include "af/core/task.hpp"
#include "af/http/request.hpp"
#include "af/http/response.hpp"

namespace af::http {

/// Limits and timeouts of a client; a zero duration means "no timeout".
struct client_options {
    std::chrono::milliseconds connect_timeout{10'000};  ///< DNS lookup and TCP connect
    std::chrono::milliseconds request_timeout{30'000};  ///< sending the request until the response head is in
    std::chrono::milliseconds expect_continue_timeout{1'000};  ///< wait for a 100 before sending the body anyway
    std::chrono::milliseconds idle_timeout{90'000};     ///< an idle pooled connection is closed after this
    std::size_t max_idle_per_host = 16;                 ///< idle connections kept per origin (0: no pooling)
    std::size_t max_head_bytes = 64 * 1024;             ///< status line + fields (and trailers), else head_too_large
    std::size_t max_headers = 100;                      ///< fields in the head (and in trailers)
    std::size_t read_buffer_size = 16 * 1024;           ///< bytes asked of each read
};

/// Counters of a client's pool (since it was made).
struct client_stats {
    std::size_t idle = 0;            ///< idle connections in the pool now
    std::uint64_t connects = 0;      ///< connections opened
    std::uint64_t reuses = 0;        ///< requests sent on a pooled connection
    std::uint64_t stale_dropped = 0; ///< pooled connections dropped by the reuse check or the idle timeout
    std::uint64_t retries = 0;       ///< requests sent again after a reused connection failed
};

class client {
public:
    explicit client(client_options o = {});

    /// Sends `req` (its target an absolute http URL) and returns the response once its head
    /// is in; see the file comment.
    af::task<response> send(request req) const;
    /// `send` of a GET with no body.
    af::task<response> get(std::string url) const;

    client_stats stats() const;
    /// Closes every idle connection.
    void clear_idle() const;

    struct state;  // src/http/client.cpp

private:
    std::shared_ptr<state> s_;
};

}  // namespace af::http

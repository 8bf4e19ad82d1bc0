// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::serve_connection(io, service, options)`: serves HTTP/1.1 on one connection
/// until the peer closes it, a limit or timeout ends it, or the server shuts down.
///
///     auto [conn, peer] = co_await listener.accept();
///     af::rt::spawn(af::http::serve_connection(std::move(conn), hello));
///
/// `io` is any byte stream (`af::io::async_read` and `async_write`: a tcp_stream, a
/// unix_stream, an in-memory duplex); the task owns it and shuts it down at the end. Requests
/// are parsed with llhttp; each is passed to the service, and its response written back:
/// - keep-alive (HTTP/1.1 by default, HTTP/1.0 with `Connection: keep-alive`) and
///   pipelining: responses that are ready while more requests are already buffered are
///   coalesced into one vectored write (up to `max_pipeline_batch`);
/// - bodies both ways as streams of `af::bytes` (Content-Length or chunked, with trailers);
///   the request body is read as the service polls it, a response body is polled for its
///   next chunk only once the previous one was written; `Expect: 100-continue` is answered
///   when the service first polls the request body;
/// - no body on HEAD responses, 1xx, 204 and 304; HTTP/1.0 peers get close-delimited bodies
///   of unknown length; `Connection: close` either way closes after the response.
/// Limits (`server_options`) answer instead of resetting: 400 for malformed input (request
/// smuggling included: Transfer-Encoding with Content-Length, differing or repeated
/// Content-Length, obs-fold, bare CR), 431 for a head over `max_head_bytes` or more than
/// `max_headers` fields, 413 for a body over `max_body_bytes`, 408 when a started head takes
/// longer than `header_read_timeout` (slowloris) or the body stalls for `body_read_timeout`
/// while the service reads it (the read fails with `error::body_timed_out`), 503 when the
/// service has not answered within `request_timeout`; an idle keep-alive connection is closed
/// after `keep_alive_timeout`. Upgrades (101 to a request with `Upgrade`) and CONNECT (2xx)
/// hand the raw connection to the response's upgrade handler (see upgrade.hpp).
///
/// `addrs` (optional): the connection's peer and local addresses, which every request then
/// carries (`request::remote_addr()`, `local_addr()`); af::http::server passes the accepted
/// socket's.
///
///     auto [conn, peer] = co_await listener.accept();
///     af::http::connection_addrs at{.remote = peer, .local = conn.local_addr()};
///     af::rt::spawn(af::http::serve_connection(std::move(conn), app, {}, at));
///
/// Errors: I/O errors end the task with the exception (the server logs and drops them);
/// protocol errors are answered and end the task normally. Cancellation: dropping the task
/// closes the connection wherever it was, without a response. Thread safety: one task.
/// Needs a runtime with time enabled (for the timeouts).
#include <chrono>   // timeouts
#include <cstddef>  // std::size_t
#include <cstdint>  // body limit
#include <optional> // addresses
#include <utility>  // std::move

#include "af/core/task.hpp"
#include "af/http/detail/io_ref.hpp"
#include "af/http/service.hpp"
#include "af/net/socket_addr.hpp"

namespace af::http {

/// Limits and timeouts of a server connection; the defaults suit a server on the internet.
/// Any timeout set to `std::chrono::milliseconds::max()` is off.
struct server_options {
    std::size_t max_head_bytes = 16 * 1024;      ///< request line + fields, else 431
    std::size_t max_headers = 100;               ///< fields in the head (and in trailers), else 431
    std::uint64_t max_body_bytes = 16 << 20;     ///< request body, else 413
    std::chrono::milliseconds header_read_timeout{10'000};  ///< first byte to end of head, else 408
    std::chrono::milliseconds keep_alive_timeout{60'000};   ///< idle between requests, then close
    /// Longest wait for the next piece of a request body once the service asked for it (the
    /// clock runs only while the service is waiting for the peer). On expiry the body read
    /// throws `error::body_timed_out` and, unless the service already answered, the response
    /// is 408 with `Connection: close`.
    std::chrono::milliseconds body_read_timeout{30'000};
    /// From the first byte of a request's head until its response is fully written. If the
    /// service has not returned a response by then: 503 with `Connection: close` (the service's
    /// future is dropped); if the response was being written: the connection is closed. Off by
    /// default: what a request may legitimately take depends on the application (a large
    /// download, a long poll, a stream of events), and the slow-peer cases are bounded already
    /// by header_read_timeout and body_read_timeout. Set it to bound slow services. Pipelined
    /// responses written together with a later one are bounded by that later request's deadline.
    std::chrono::milliseconds request_timeout = std::chrono::milliseconds::max();
    std::size_t max_pipeline_batch = 32;         ///< responses coalesced into one write
    std::size_t read_buffer_size = 16 * 1024;    ///< bytes asked of each read
    /// af::http::server only: connections served at once. At the cap the server stops
    /// accepting (new connections wait in the kernel's backlog) until one ends. The default
    /// is above the 10,000-connection case the benchmarks cover and below common descriptor
    /// limits, so the cap, not a failing socket() inside a service, is what a flood meets.
    std::size_t max_connections = 20'000;
    /// af::http::server only: SO_REUSEPORT on the listener, so several servers (one per worker
    /// thread, see server.hpp) can bind the same address and the kernel spreads connections.
    bool reuse_port = false;
};

/// Where a connection comes from and where it arrived (see `serve_connection`).
struct connection_addrs {
    std::optional<af::net::socket_addr> remote;  ///< the peer
    std::optional<af::net::socket_addr> local;   ///< this side
};

namespace detail {
class shutdown_signal;  // src/http/server.cpp: a server's "stop" for its connections
af::task<void> serve_erased(io_ref io, any_service svc, server_options opts, shutdown_signal* stop, connection_addrs addrs);
}  // namespace detail

/// See the file comment.
template <class IO>
    requires af::io::async_read<IO> && af::io::async_write<IO>
af::task<void> serve_connection(IO io, any_service svc, server_options opts = {}, connection_addrs addrs = {}) {
    detail::io_ref ref(io);
    co_await detail::serve_erased(ref, std::move(svc), std::move(opts), nullptr, addrs);
}

}  // namespace af::http

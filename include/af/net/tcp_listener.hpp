// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::net::tcp_listener`: a bound, listening TCP socket; `accept()` yields connections.
///
///     auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
///     std::cout << "listening on " << listener.local_addr().to_string() << "\n";
///     for (;;) {
///         auto [conn, peer] = co_await listener.accept();
///         af::rt::spawn(serve(std::move(conn)));
///     }
///
/// Options (`tcp_listener_options`, designated initializers): SO_REUSEADDR is on by default (a
/// restarted server can bind while old connections sit in TIME_WAIT); `reuse_port` lets several
/// listeners share a port (the kernel balances connections among them); `backlog` is listen(2)'s
/// queue length (capped by net.core.somaxconn).
///
/// Out of descriptors: when accept fails with EMFILE or ENFILE (or ENOBUFS/ENOMEM), the pending
/// connection stays in the kernel's queue and `accept()` backs off instead of failing or
/// spinning: it sleeps (10 ms, doubling up to 100 ms, with af::time when the runtime has time
/// enabled; otherwise it yields to other tasks between tries) and retries, so the listener
/// keeps serving once descriptors are freed. ECONNABORTED (a client that gave up while queued)
/// is skipped the same way. Out of memory for one connection (std::bad_alloc, or the reactor
/// refusing to register it): that connection is closed and `accept()` pauses the same way, then
/// accepts the next; the listener never fails for it. Other errors throw std::system_error
/// ("accept 0.0.0.0:80: ...").
///
/// Thread safety: one accept at a time per listener (one task accepts and spawns the handlers);
/// the listener may move between threads between accepts.
#include <utility>  // std::pair

#include "af/core/task.hpp"
#include "af/net/detail/socket.hpp"
#include "af/net/socket_addr.hpp"
#include "af/net/tcp_stream.hpp"

namespace af::net {

struct tcp_listener_options {
    bool reuse_address = true;  ///< SO_REUSEADDR
    bool reuse_port = false;    ///< SO_REUSEPORT
    int backlog = 1024;         ///< listen(2) backlog
};

class tcp_listener {
public:
    /// Binds and listens. Errors: std::system_error ("bind 127.0.0.1:80: Permission denied");
    /// std::logic_error outside a runtime with I/O enabled. Port 0 picks a free port (read it
    /// back with local_addr()).
    static tcp_listener bind(const socket_addr& addr, const tcp_listener_options& options = {});

    /// The next connection and its peer's address. The listener must outlive the future.
    /// Cancellation: safe; a connection not yet accepted stays queued for the next accept.
    af::task<std::pair<tcp_stream, socket_addr>> accept();

    socket_addr local_addr() const;
    int native_handle() const noexcept { return s_.fd(); }

private:
    explicit tcp_listener(detail::socket_ptr s) noexcept : s_(std::move(s)) {}
    detail::socket_ptr s_;
};

}  // namespace af::net

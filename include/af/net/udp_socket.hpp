// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::net::udp_socket`: UDP datagrams over IPv4 or IPv6.
///
///     auto sock = af::net::udp_socket::bind(af::net::socket_addr::parse("127.0.0.1:0"));
///     co_await sock.send_to(std::as_bytes(std::span(msg)), peer);
///     std::array<std::byte, 1500> buf;
///     auto [n, from] = co_await sock.recv_from(buf);
///
/// Unconnected, a socket talks to anyone with `send_to` / `recv_from`; after `connect(addr)` it
/// only exchanges datagrams with `addr`, through `send` / `recv`. Every call moves exactly one
/// datagram; a datagram longer than the buffer is truncated (the rest is dropped by the kernel).
/// For streams use tcp_stream; for local datagrams use unix_datagram.
///
/// Errors: std::system_error naming the operation and address ("send_to 127.0.0.1:9: ...").
/// On a connected socket, an ICMP "port unreachable" from an earlier send may surface as
/// ECONNREFUSED from a later recv or send.
///
/// Thread safety: one receive and one send may be in flight at once (from two tasks); not two
/// receives or two sends. The socket must outlive its futures.
#include <cstddef>  // std::byte
#include <span>     // buffers
#include <utility>  // std::pair

#include "af/core/task.hpp"
#include "af/net/detail/socket.hpp"
#include "af/net/socket_addr.hpp"

namespace af::net {

class udp_socket {
public:
    /// Binds (port 0 picks one). Errors: std::system_error ("bind ...").
    static udp_socket bind(const socket_addr& addr);

    /// Sets the default peer and filters incoming datagrams to it. Does not wait.
    void connect(const socket_addr& addr);

    /// Sends one datagram to `to`; the number of bytes sent. Cancellation: safe; a dropped
    /// pending send sent nothing.
    af::task<std::size_t> send_to(std::span<const std::byte> buf, socket_addr to);
    /// Receives one datagram: its length (truncated to `buf.size()`) and sender.
    /// Cancellation: safe; a dropped pending receive consumed no datagram.
    af::task<std::pair<std::size_t, socket_addr>> recv_from(std::span<std::byte> buf);
    /// send / recv on a connected socket. Cancellation: as send_to / recv_from.
    af::task<std::size_t> send(std::span<const std::byte> buf);
    af::task<std::size_t> recv(std::span<std::byte> buf);

    socket_addr local_addr() const;
    /// The connected peer; throws std::system_error (ENOTCONN) when not connected.
    socket_addr peer_addr() const;
    /// SO_BROADCAST.
    void set_broadcast(bool on);
    int native_handle() const noexcept { return s_.fd(); }

private:
    explicit udp_socket(detail::socket_ptr s) noexcept : s_(std::move(s)) {}
    detail::socket_ptr s_;
};

}  // namespace af::net

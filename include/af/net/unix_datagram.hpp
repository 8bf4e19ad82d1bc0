// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::net::unix_datagram`: datagram sockets on filesystem paths (AF_UNIX, SOCK_DGRAM).
/// Reliable and ordered on one machine, unlike UDP.
///
///     auto [a, b] = af::net::unix_datagram::pair();
///     co_await a.send(std::as_bytes(std::span(msg)));
///     std::size_t n = co_await b.recv(buf);
///
/// `bind(path)` for a named socket, `unbound()` for a client that only sends, `pair()` for two
/// connected ends. API as udp_socket with paths for addresses; the bound path is not removed
/// when the socket is destroyed.
///
/// Thread safety: one receive and one send at a time (they may run concurrently).
#include <cstddef>  // std::byte
#include <span>     // buffers
#include <string>   // paths
#include <utility>  // std::pair

#include "af/core/task.hpp"
#include "af/net/detail/socket.hpp"

namespace af::net {

class unix_datagram {
public:
    static unix_datagram bind(std::string path);
    static unix_datagram unbound();
    static std::pair<unix_datagram, unix_datagram> pair();

    /// Sets the default peer (does not wait).
    void connect(const std::string& path);
    /// Cancellation: safe for all four (a dropped pending call moved no datagram).
    af::task<std::size_t> send_to(std::span<const std::byte> buf, std::string path);
    af::task<std::pair<std::size_t, std::string>> recv_from(std::span<std::byte> buf);
    af::task<std::size_t> send(std::span<const std::byte> buf);
    af::task<std::size_t> recv(std::span<std::byte> buf);

    std::string local_path() const;
    int native_handle() const noexcept { return s_.fd(); }

private:
    explicit unix_datagram(detail::socket_ptr s) noexcept : s_(std::move(s)) {}
    detail::socket_ptr s_;
};

}  // namespace af::net

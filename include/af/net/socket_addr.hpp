// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::net::socket_addr`: an IPv4 or IPv6 address with a port, the address type of TCP and UDP.
///
///     auto a = af::net::socket_addr::parse("127.0.0.1:8080");
///     auto b = af::net::socket_addr::parse("[::1]:443");
///     assert(a.port() == 8080 && b.is_ipv6() && b.to_string() == "[::1]:443");
///
/// Parsing takes numeric addresses only (`ip:port`, `[ipv6]:port`, `[ipv6%scope]:port`) and never
/// touches the network; it throws std::invalid_argument naming the input. To resolve a host name,
/// use `af::net::lookup_host("example.com:80")` (which runs getaddrinfo on the blocking pool).
///
/// A value type: cheap to copy (28 bytes), totally ordered (IPv4 before IPv6, then by address
/// bytes, port and scope id), hashable through `std::hash`. Thread safety: as an int.
#include <compare>      // operator<=>
#include <cstdint>      // std::uint16_t
#include <functional>   // std::hash
#include <string>       // to_string
#include <string_view>  // parse
#include <sys/socket.h>  // sockaddr, socklen_t
#include <netinet/in.h>  // sockaddr_in, sockaddr_in6

namespace af::net {

class socket_addr {
public:
    /// 0.0.0.0:0.
    socket_addr() noexcept;

    /// Parses "a.b.c.d:port" or "[v6]:port"; throws std::invalid_argument naming `text`.
    static socket_addr parse(std::string_view text);
    /// Parses an address without a port ("127.0.0.1", "::1") and pairs it with `port`.
    static socket_addr from_ip(std::string_view ip, std::uint16_t port);
    /// 127.0.0.1:port and [::1]:port.
    static socket_addr v4_loopback(std::uint16_t port = 0) noexcept;
    static socket_addr v6_loopback(std::uint16_t port = 0) noexcept;
    /// 0.0.0.0:port and [::]:port (every interface).
    static socket_addr v4_any(std::uint16_t port = 0) noexcept;
    static socket_addr v6_any(std::uint16_t port = 0) noexcept;
    /// From a kernel address (AF_INET or AF_INET6); throws std::invalid_argument otherwise.
    static socket_addr from_sockaddr(const sockaddr* sa, socklen_t len);

    bool is_ipv4() const noexcept { return family() == AF_INET; }
    bool is_ipv6() const noexcept { return family() == AF_INET6; }
    /// The address without the port ("127.0.0.1", "::1", "fe80::1%2").
    std::string ip() const;
    std::uint16_t port() const noexcept;
    void set_port(std::uint16_t port) noexcept;
    /// IPv6 scope id (interface index); 0 for IPv4.
    std::uint32_t scope_id() const noexcept;
    /// "127.0.0.1:8080" or "[::1]:443": parse(to_string()) gives the same address back.
    std::string to_string() const;

    /// For system calls.
    const sockaddr* as_sockaddr() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
    socklen_t sockaddr_len() const noexcept {
        return is_ipv4() ? static_cast<socklen_t>(sizeof(sockaddr_in)) : static_cast<socklen_t>(sizeof(sockaddr_in6));
    }
    int family() const noexcept { return storage_.v4.sin_family; }

    friend std::strong_ordering operator<=>(const socket_addr& a, const socket_addr& b) noexcept;
    friend bool operator==(const socket_addr& a, const socket_addr& b) noexcept {
        return (a <=> b) == std::strong_ordering::equal;
    }

private:
    union storage {
        sockaddr_in v4;
        sockaddr_in6 v6;
    } storage_;
};

}  // namespace af::net

template <>
struct std::hash<af::net::socket_addr> {
    std::size_t operator()(const af::net::socket_addr& a) const noexcept;
};

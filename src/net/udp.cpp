// SPDX-License-Identifier: MIT
// udp_socket.
#include <sys/socket.h>

#include <cerrno>

#include "af/future/poll_fn.hpp"
#include "af/net/udp_socket.hpp"
#include "internal.hpp"

namespace af::net {

udp_socket udp_socket::bind(const socket_addr& addr) {
    std::string name = addr.to_string();
    detail::owned_fd fd = detail::new_socket(addr.family(), SOCK_DGRAM, "af::net::udp_socket::bind", name);
    if (::bind(fd.get(), addr.as_sockaddr(), addr.sockaddr_len()) < 0) detail::throw_error(errno, "bind", name);
    udp_socket u(detail::adopt(fd.release(), "af::net::udp_socket::bind", name));
    u.s_.set_name(u.local_addr().to_string());
    return u;
}

void udp_socket::connect(const socket_addr& addr) {
    if (::connect(s_.fd(), addr.as_sockaddr(), addr.sockaddr_len()) < 0) {
        detail::throw_error(errno, "connect", addr.to_string());
    }
    s_.set_name(addr.to_string());
}

af::task<std::size_t> udp_socket::send_to(std::span<const std::byte> buf, socket_addr to) {
    long n = co_await af::poll_fn([&](context& cx) {
        return s_.src().poll_send_to(cx, buf.data(), buf.size(), to.as_sockaddr(), to.sockaddr_len());
    });
    if (n < 0) detail::throw_error(static_cast<int>(-n), "send_to", to.to_string());
    co_return static_cast<std::size_t>(n);
}

af::task<std::pair<std::size_t, socket_addr>> udp_socket::recv_from(std::span<std::byte> buf) {
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    long n = co_await af::poll_fn([&](context& cx) {
        len = sizeof ss;
        return s_.src().poll_recv_from(cx, buf.data(), buf.size(), reinterpret_cast<sockaddr*>(&ss), &len);
    });
    if (n < 0) detail::throw_error(static_cast<int>(-n), "recv_from", s_.name());
    socket_addr from = socket_addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
    co_return std::pair<std::size_t, socket_addr>(static_cast<std::size_t>(n), from);
}

af::task<std::size_t> udp_socket::send(std::span<const std::byte> buf) {
    long n = co_await af::poll_fn([&](context& cx) { return s_.src().poll_write(cx, buf.data(), buf.size()); });
    if (n < 0) detail::throw_error(static_cast<int>(-n), "send", s_.name());
    co_return static_cast<std::size_t>(n);
}

af::task<std::size_t> udp_socket::recv(std::span<std::byte> buf) {
    long n = co_await af::poll_fn([&](context& cx) { return s_.src().poll_read(cx, buf.data(), buf.size()); });
    if (n < 0) detail::throw_error(static_cast<int>(-n), "recv", s_.name());
    co_return static_cast<std::size_t>(n);
}

socket_addr udp_socket::local_addr() const {
    sockaddr_storage ss;
    socklen_t l = detail::sock_name(s_, ss, false, "getsockname");
    return socket_addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), l);
}

socket_addr udp_socket::peer_addr() const {
    sockaddr_storage ss;
    socklen_t l = detail::sock_name(s_, ss, true, "getpeername");
    return socket_addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), l);
}

void udp_socket::set_broadcast(bool on) { detail::set_int_option(s_, SOL_SOCKET, SO_BROADCAST, on, "setsockopt(SO_BROADCAST)"); }

}  // namespace af::net

// SPDX-License-Identifier: MIT
// unix_listener, unix_stream, unix_datagram: AF_UNIX sockets named by filesystem paths.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <system_error>

#include "af/future/poll_fn.hpp"
#include "af/net/unix_datagram.hpp"
#include "af/net/unix_stream.hpp"
#include "af/future/yield_now.hpp"
#include "af/time/sleep.hpp"
#include "internal.hpp"

namespace af::net {
namespace {

struct unix_addr {
    sockaddr_un sun{};
    socklen_t len = 0;
};

unix_addr make_addr(const std::string& path, const char* op) {
    unix_addr a;
    a.sun.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun.sun_path) detail::throw_error(ENAMETOOLONG, op, path);
    std::memcpy(a.sun.sun_path, path.data(), path.size());
    a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    return a;
}

std::string path_of(const sockaddr_storage& ss, socklen_t len) {
    const auto* sun = reinterpret_cast<const sockaddr_un*>(&ss);
    if (len <= static_cast<socklen_t>(offsetof(sockaddr_un, sun_path))) return {};
    std::size_t n = static_cast<std::size_t>(len) - offsetof(sockaddr_un, sun_path);
    return std::string(sun->sun_path, strnlen(sun->sun_path, n));
}

std::string name_of(const detail::socket_ptr& s, bool peer) {
    sockaddr_storage ss;
    socklen_t l = detail::sock_name(s, ss, peer, peer ? "getpeername" : "getsockname");
    return path_of(ss, l);
}

std::pair<int, int> socket_pair(int type) {
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) detail::throw_error(errno, "socketpair", "");
    return {fds[0], fds[1]};
}

detail::socket_ptr adopt_or_close(int fd, int other, const char* op) {
    try {
        return detail::adopt(fd, op, "(socketpair)");
    } catch (...) {
        if (other >= 0) ::close(other);  // not registered yet: ours to close
        throw;
    }
}

}  // namespace

// --- unix_stream ---

af::task<unix_stream> unix_stream::connect(std::string path) {
    unix_addr a = make_addr(path, "connect");
    unix_stream conn(detail::open_socket(AF_UNIX, SOCK_STREAM, "af::net::unix_stream::connect", path));
    co_await detail::connect_fd(conn.s_, reinterpret_cast<const sockaddr*>(&a.sun), a.len);
    co_return conn;
}

std::pair<unix_stream, unix_stream> unix_stream::pair() {
    auto [a, b] = socket_pair(SOCK_STREAM);
    unix_stream x(adopt_or_close(a, b, "af::net::unix_stream::pair"));
    unix_stream y(adopt_or_close(b, -1, "af::net::unix_stream::pair"));
    return {std::move(x), std::move(y)};
}

std::string unix_stream::peer_path() const { return name_of(s_, true); }
std::string unix_stream::local_path() const { return name_of(s_, false); }

std::pair<unix_read_half, unix_write_half> unix_stream::into_split() && {
    detail::socket_ptr s = std::move(s_);
    return {unix_read_half(s), unix_write_half(s)};
}

// --- unix_listener ---

unix_listener unix_listener::bind(std::string path, int backlog) {
    unix_addr a = make_addr(path, "bind");
    detail::owned_fd fd = detail::new_socket(AF_UNIX, SOCK_STREAM, "af::net::unix_listener::bind", path);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a.sun), a.len) < 0) detail::throw_error(errno, "bind", path);
    if (::listen(fd.get(), backlog) < 0) detail::throw_error(errno, "listen", path);
    return unix_listener(detail::adopt(fd.release(), "af::net::unix_listener::bind", path));
}

af::task<std::pair<unix_stream, std::string>> unix_listener::accept() {
    detail::accept_backoff pause;
    for (;;) {
        try {  // out of memory for one connection: it is closed, the listener goes on (tcp.cpp)
            sockaddr_storage ss;
            socklen_t len = sizeof ss;
            detail::owned_fd fd(co_await detail::accept_fd(s_, ss, len));
            std::string peer = path_of(ss, len);
            unix_stream conn(detail::adopt(fd.release(), "af::net::unix_listener::accept", peer.empty() ? s_.name() : peer));
            co_return std::pair<unix_stream, std::string>(std::move(conn), std::move(peer));
        } catch (const std::bad_alloc&) {
        } catch (const std::system_error& e) {
            if (!detail::out_of_memory(e)) throw;
        }
        std::chrono::milliseconds d = pause.next();
        if (detail::has_time()) {
            co_await af::time::sleep(d);
        } else {
            co_await af::yield_now();
        }
    }
}

std::string unix_listener::local_path() const { return name_of(s_, false); }

// --- unix_datagram ---

unix_datagram unix_datagram::bind(std::string path) {
    unix_addr a = make_addr(path, "bind");
    detail::owned_fd fd = detail::new_socket(AF_UNIX, SOCK_DGRAM, "af::net::unix_datagram::bind", path);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a.sun), a.len) < 0) detail::throw_error(errno, "bind", path);
    return unix_datagram(detail::adopt(fd.release(), "af::net::unix_datagram::bind", path));
}

unix_datagram unix_datagram::unbound() {
    return unix_datagram(detail::open_socket(AF_UNIX, SOCK_DGRAM, "af::net::unix_datagram::unbound", "(unbound)"));
}

std::pair<unix_datagram, unix_datagram> unix_datagram::pair() {
    auto [a, b] = socket_pair(SOCK_DGRAM);
    unix_datagram x(adopt_or_close(a, b, "af::net::unix_datagram::pair"));
    unix_datagram y(adopt_or_close(b, -1, "af::net::unix_datagram::pair"));
    return {std::move(x), std::move(y)};
}

void unix_datagram::connect(const std::string& path) {
    unix_addr a = make_addr(path, "connect");
    if (::connect(s_.fd(), reinterpret_cast<const sockaddr*>(&a.sun), a.len) < 0) detail::throw_error(errno, "connect", path);
    s_.set_name(path);
}

af::task<std::size_t> unix_datagram::send_to(std::span<const std::byte> buf, std::string path) {
    unix_addr a = make_addr(path, "send_to");
    long n = co_await af::poll_fn([&](context& cx) {
        return s_.src().poll_send_to(cx, buf.data(), buf.size(), reinterpret_cast<const sockaddr*>(&a.sun), a.len);
    });
    if (n < 0) detail::throw_error(static_cast<int>(-n), "send_to", path);
    co_return static_cast<std::size_t>(n);
}

af::task<std::pair<std::size_t, std::string>> unix_datagram::recv_from(std::span<std::byte> buf) {
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    long n = co_await af::poll_fn([&](context& cx) {
        len = sizeof ss;
        return s_.src().poll_recv_from(cx, buf.data(), buf.size(), reinterpret_cast<sockaddr*>(&ss), &len);
    });
    if (n < 0) detail::throw_error(static_cast<int>(-n), "recv_from", s_.name());
    co_return std::pair<std::size_t, std::string>(static_cast<std::size_t>(n), path_of(ss, len));
}

af::task<std::size_t> unix_datagram::send(std::span<const std::byte> buf) {
    long n = co_await af::poll_fn([&](context& cx) { return s_.src().poll_write(cx, buf.data(), buf.size()); });
    if (n < 0) detail::throw_error(static_cast<int>(-n), "send", s_.name());
    co_return static_cast<std::size_t>(n);
}

af::task<std::size_t> unix_datagram::recv(std::span<std::byte> buf) {
    long n = co_await af::poll_fn([&](context& cx) { return s_.src().poll_read(cx, buf.data(), buf.size()); });
    if (n < 0) detail::throw_error(static_cast<int>(-n), "recv", s_.name());
    co_return static_cast<std::size_t>(n);
}

std::string unix_datagram::local_path() const { return name_of(s_, false); }

}  // namespace af::net

// SPDX-License-Identifier: MIT
// tcp_listener and tcp_stream.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <unistd.h>

#include <cerrno>
#include <new>
#include <system_error>

#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/future/yield_now.hpp"
#include "af/time/sleep.hpp"
#include "internal.hpp"

namespace af::net {
namespace {

socket_addr name_of(const detail::socket_ptr& s, bool peer) {
    sockaddr_storage ss;
    socklen_t l = detail::sock_name(s, ss, peer, peer ? "getpeername" : "getsockname");
    return socket_addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), l);
}

}  // namespace

tcp_listener tcp_listener::bind(const socket_addr& addr, const tcp_listener_options& options) {
    std::string name = addr.to_string();
    detail::owned_fd fd = detail::new_socket(addr.family(), SOCK_STREAM, "af::net::tcp_listener::bind", name);
    auto set = [&](int opt, const char* what) {
        int one = 1;
        if (::setsockopt(fd.get(), SOL_SOCKET, opt, &one, sizeof one) < 0) detail::throw_error(errno, what, name);
    };
    if (options.reuse_address) set(SO_REUSEADDR, "setsockopt(SO_REUSEADDR)");
    if (options.reuse_port) set(SO_REUSEPORT, "setsockopt(SO_REUSEPORT)");
    if (::bind(fd.get(), addr.as_sockaddr(), addr.sockaddr_len()) < 0) detail::throw_error(errno, "bind", name);
    if (::listen(fd.get(), options.backlog) < 0) detail::throw_error(errno, "listen", name);
    tcp_listener l(detail::adopt(fd.release(), "af::net::tcp_listener::bind", name));
    l.s_.set_name(l.local_addr().to_string());  // port 0 became a real port
    return l;
}

af::task<std::pair<tcp_stream, socket_addr>> tcp_listener::accept() {
    detail::accept_backoff pause;
    for (;;) {
        try {
            sockaddr_storage ss;
            socklen_t len = sizeof ss;
            detail::owned_fd fd(co_await detail::accept_fd(s_, ss, len));
            socket_addr peer = socket_addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
            tcp_stream conn(detail::adopt(fd.release(), "af::net::tcp_listener::accept", peer.to_string()));
            co_return std::pair<tcp_stream, socket_addr>(std::move(conn), peer);
        } catch (const std::bad_alloc&) {
            // Out of memory for this connection: it is closed, the listener goes on (below).
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

socket_addr tcp_listener::local_addr() const { return name_of(s_, false); }

af::task<tcp_stream> tcp_stream::connect(socket_addr addr) {
    tcp_stream conn(detail::open_socket(addr.family(), SOCK_STREAM, "af::net::tcp_stream::connect", addr.to_string()));
    co_await detail::connect_fd(conn.s_, addr.as_sockaddr(), addr.sockaddr_len());
    co_return conn;
}

socket_addr tcp_stream::peer_addr() const { return name_of(s_, true); }
socket_addr tcp_stream::local_addr() const { return name_of(s_, false); }

void tcp_stream::set_nodelay(bool on) { detail::set_int_option(s_, IPPROTO_TCP, TCP_NODELAY, on, "setsockopt(TCP_NODELAY)"); }
bool tcp_stream::nodelay() const { return detail::int_option(s_, IPPROTO_TCP, TCP_NODELAY, "getsockopt(TCP_NODELAY)") != 0; }
void tcp_stream::set_keepalive(bool on) { detail::set_int_option(s_, SOL_SOCKET, SO_KEEPALIVE, on, "setsockopt(SO_KEEPALIVE)"); }
bool tcp_stream::keepalive() const { return detail::int_option(s_, SOL_SOCKET, SO_KEEPALIVE, "getsockopt(SO_KEEPALIVE)") != 0; }
void tcp_stream::set_send_buffer_size(int bytes) { detail::set_int_option(s_, SOL_SOCKET, SO_SNDBUF, bytes, "setsockopt(SO_SNDBUF)"); }
int tcp_stream::send_buffer_size() const { return detail::int_option(s_, SOL_SOCKET, SO_SNDBUF, "getsockopt(SO_SNDBUF)"); }
void tcp_stream::set_recv_buffer_size(int bytes) { detail::set_int_option(s_, SOL_SOCKET, SO_RCVBUF, bytes, "setsockopt(SO_RCVBUF)"); }
int tcp_stream::recv_buffer_size() const { return detail::int_option(s_, SOL_SOCKET, SO_RCVBUF, "getsockopt(SO_RCVBUF)"); }

void tcp_stream::set_linger(std::optional<std::chrono::seconds> t) {
    ::linger l{};
    l.l_onoff = t.has_value() ? 1 : 0;
    l.l_linger = t.has_value() ? static_cast<int>(t->count()) : 0;
    if (::setsockopt(s_.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l) < 0) detail::throw_error(errno, "setsockopt(SO_LINGER)", s_.name());
}

std::optional<std::chrono::seconds> tcp_stream::linger() const {
    ::linger l{};
    socklen_t len = sizeof l;
    if (::getsockopt(s_.fd(), SOL_SOCKET, SO_LINGER, &l, &len) < 0) detail::throw_error(errno, "getsockopt(SO_LINGER)", s_.name());
    if (l.l_onoff == 0) return std::nullopt;
    return std::chrono::seconds(l.l_linger);
}

std::pair<tcp_read_half, tcp_write_half> tcp_stream::into_split() && {
    detail::socket_ptr s = std::move(s_);
    return {tcp_read_half(s), tcp_write_half(s)};
}

socket_addr tcp_read_half::peer_addr() const { return name_of(s_, true); }
socket_addr tcp_read_half::local_addr() const { return name_of(s_, false); }
socket_addr tcp_write_half::peer_addr() const { return name_of(s_, true); }
socket_addr tcp_write_half::local_addr() const { return name_of(s_, false); }

}  // namespace af::net

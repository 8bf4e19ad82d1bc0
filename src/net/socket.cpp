// SPDX-License-Identifier: MIT
// Shared socket plumbing: registration, the error convention, byte I/O, accept and connect.
#include <limits.h>  // IOV_MAX
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <new>
#include <system_error>

#include "af/fs/file.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/yield_now.hpp"
#include "af/net/detail/socket.hpp"
#include "af/rt/detail/context.hpp"
#include "af/time/sleep.hpp"
#include "internal.hpp"

namespace af::net::detail {

void throw_error(int err, std::string_view op, std::string_view target) {
    std::string what(op);
    if (!target.empty()) {
        what += ' ';
        what += target;
    }
    throw std::system_error(err, std::generic_category(), what);
}

socket_ptr open_socket(int domain, int type, const char* op, const std::string& target) {
    auto& reactor = rt::detail::require_reactor(op);
    int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_error(errno, op, target);
    return socket_ptr::open(reactor, fd, target);
}

socket_ptr socket_ptr::open(rt::detail::reactor& r, int fd, std::string name) {
    static_assert(alignof(socket_tail) <= alignof(std::max_align_t));
    rt::detail::io_source* src = r.open(fd, sizeof(socket_tail));  // owns fd from here on, even if it throws
    new (src->tail()) socket_tail(std::move(name));
    return socket_ptr(src);
}

owned_fd::~owned_fd() {
    if (fd_ >= 0) ::close(fd_);
}

owned_fd new_socket(int domain, int type, const char* op, const std::string& target) {
    (void)rt::detail::require_reactor(op);
    int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_error(errno, "socket", target);
    return owned_fd(fd);
}

socket_ptr adopt(int fd, const char* op, std::string name) {
    auto& reactor = rt::detail::require_reactor(op);
    return socket_ptr::open(reactor, fd, std::move(name));
}

af::poll<std::size_t> poll_read(const socket_ptr& s, context& cx, std::span<std::byte> buf) {
    auto p = s.src().poll_read(cx, buf.data(), buf.size());
    if (p.is_pending()) return af::pending;
    if (*p < 0) throw_error(static_cast<int>(-*p), "read", s.name());
    return static_cast<std::size_t>(*p);
}

af::poll<std::size_t> poll_write(const socket_ptr& s, context& cx, std::span<const std::byte> buf) {
    auto p = s.src().poll_write(cx, buf.data(), buf.size());
    if (p.is_pending()) return af::pending;
    if (*p < 0) throw_error(static_cast<int>(-*p), "write", s.name());
    return static_cast<std::size_t>(*p);
}

af::poll<std::size_t> poll_write_vectored(const socket_ptr& s, context& cx, std::span<const af::io::io_slice> slices) {
    // More than IOV_MAX slices: the first IOV_MAX, a short write (writev would say EINVAL).
    int n = static_cast<int>(std::min<std::size_t>(slices.size(), IOV_MAX));
    auto p = s.src().poll_write_vectored(cx, af::io::as_iovecs(slices), n);
    if (p.is_pending()) return af::pending;
    if (*p < 0) throw_error(static_cast<int>(-*p), "write", s.name());
    return static_cast<std::size_t>(*p);
}

af::poll<std::size_t> poll_write_bytes(const socket_ptr& s, context& cx, std::span<const af::bytes> chunks) {
    auto p = s.src().poll_write_bytes(cx, chunks.data(), chunks.size());
    if (p.is_pending()) return af::pending;
    if (*p < 0) throw_error(static_cast<int>(-*p), "write", s.name());
    return static_cast<std::size_t>(*p);
}

int file_handle(const af::fs::file& f) noexcept { return f.native_handle(); }

af::poll<std::uint64_t> send_file_future::poll(context& cx) {
    // sendfile(2) moves at most 0x7ffff000 bytes a call; each poll is budgeted (coop) in the
    // reactor, so a large file does not keep a worker from its other tasks.
    constexpr std::uint64_t max_call = 0x7ffff000;
    while (left_ > 0) {
        auto p = s_->src().poll_sendfile(cx, fd_, off_, static_cast<std::size_t>(std::min(left_, max_call)));
        if (p.is_pending()) return af::pending;
        if (*p < 0) throw_error(static_cast<int>(-*p), "sendfile", s_->name());
        if (*p == 0) break;  // end of file: report what was sent
        auto n = static_cast<std::uint64_t>(*p);
        off_ += n;
        left_ -= n;
        sent_ += n;
    }
    return sent_;
}

void shutdown(const socket_ptr& s, shutdown_how how) {
    int h = how == shutdown_how::read ? SHUT_RD : how == shutdown_how::write ? SHUT_WR : SHUT_RDWR;
    if (::shutdown(s.fd(), h) < 0 && errno != ENOTCONN) throw_error(errno, "shutdown", s.name());
}

void set_int_option(const socket_ptr& s, int level, int name, int value, const char* what) {
    if (::setsockopt(s.fd(), level, name, &value, sizeof value) < 0) throw_error(errno, what, s.name());
}

int int_option(const socket_ptr& s, int level, int name, const char* what) {
    int v = 0;
    socklen_t l = sizeof v;
    if (::getsockopt(s.fd(), level, name, &v, &l) < 0) throw_error(errno, what, s.name());
    return v;
}

socklen_t sock_name(const socket_ptr& s, sockaddr_storage& out, bool peer, const char* what) {
    socklen_t l = sizeof out;
    int r = peer ? ::getpeername(s.fd(), reinterpret_cast<sockaddr*>(&out), &l)
                 : ::getsockname(s.fd(), reinterpret_cast<sockaddr*>(&out), &l);
    if (r < 0) throw_error(errno, what, s.name());
    return l;
}

af::task<int> accept_fd(const socket_ptr& listener, sockaddr_storage& addr, socklen_t& len) {
    using namespace std::chrono_literals;
    auto backoff = 10ms;
    for (;;) {
        len = sizeof addr;
        long r = co_await af::poll_fn([&](context& cx) {
            return listener.src().poll_accept(cx, reinterpret_cast<sockaddr*>(&addr), &len);
        });
        if (r >= 0) co_return static_cast<int>(r);
        int e = static_cast<int>(-r);
        if (e == ECONNABORTED || e == EINTR) continue;
        if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
            // The connection stays queued in the kernel; retrying at once would spin (the
            // listener stays readable). Wait for descriptors to be freed.
            if (rt::detail::current().time != nullptr) {
                co_await af::time::sleep(backoff);
                backoff = std::min(backoff * 2, std::chrono::milliseconds(100));
            } else {
                co_await af::yield_now();
            }
            continue;
        }
        throw_error(e, "accept", listener.name());
    }
}

bool out_of_memory(const std::system_error& e) noexcept {
    if (e.code().category() != std::generic_category() && e.code().category() != std::system_category()) return false;
    int v = e.code().value();
    return v == ENOMEM || v == ENOSPC || v == ENOBUFS;
}

bool has_time() noexcept { return rt::detail::current().time != nullptr; }

af::task<void> connect_fd(const socket_ptr& s, const sockaddr* addr, socklen_t len) {
    bool suspended = false;
    long r = co_await af::poll_fn([&](context& cx) {
        af::poll<long> p = s.src().poll_connect(cx, addr, len);
        if (p.is_pending()) suspended = true;
        return p;
    });
    if (r < 0) throw_error(static_cast<int>(-r), "connect", s.name());
    // On loopback a connect completes without suspending. A task connecting in a loop would
    // then fill the listener's backlog before the accepting task on its thread runs (the
    // budget alone lets it connect 128 times per turn, faster than one accepting task keeps
    // up with), and every dropped SYN costs a 1 s retransmit: give the other tasks a turn.
    if (!suspended) co_await af::yield_now();
}

}  // namespace af::net::detail

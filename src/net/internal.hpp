// SPDX-License-Identifier: MIT
#pragma once
// Coroutines shared by the TCP and Unix socket types (accept with back-off, connect).
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <system_error>
#include <utility>

#include "af/core/task.hpp"
#include "af/net/detail/socket.hpp"

namespace af::net::detail {

/// A descriptor not yet registered with the reactor (closed by us unless released). Listeners
/// and bound sockets are set up (options, bind, listen) before registering, so the reactor
/// never sees the unbound socket's hang-up state.
class owned_fd {
public:
    explicit owned_fd(int fd) noexcept : fd_(fd) {}
    owned_fd(const owned_fd&) = delete;
    owned_fd& operator=(const owned_fd&) = delete;
    ~owned_fd();
    int get() const noexcept { return fd_; }
    int release() noexcept { return std::exchange(fd_, -1); }

private:
    int fd_;
};

/// socket(2), non-blocking and close-on-exec, after checking that the caller is in a runtime
/// with I/O (the std::logic_error names `op`); throws "socket <target>: ..." on failure.
owned_fd new_socket(int domain, int type, const char* op, const std::string& target);

/// accept4 on `listener` until it yields a descriptor; backs off on descriptor exhaustion (see
/// tcp_listener.hpp). `addr`/`len` receive the peer's address.
af::task<int> accept_fd(const socket_ptr& listener, sockaddr_storage& addr, socklen_t& len);

/// Whether a registration failure means "out of memory" (the reactor's ENOMEM, ENOSPC for
/// epoll's watch limit, ENOBUFS): the accepted connection is dropped and the listener goes on.
bool out_of_memory(const std::system_error& e) noexcept;

/// The accept loops' pause after a connection dropped for want of memory: 10 ms, doubling up
/// to 100 ms. The loop sleeps with af::time when the runtime has it (has_time), else yields:
/// neither needs memory.
class accept_backoff {
public:
    std::chrono::milliseconds next() noexcept {
        auto d = delay_;
        delay_ = std::min(delay_ * 2, std::chrono::milliseconds(100));
        return d;
    }

private:
    std::chrono::milliseconds delay_{10};
};

/// Whether the calling thread's runtime has a time driver (af::time::sleep works).
bool has_time() noexcept;

/// connect on `s` until established; throws "connect <name>: ..." on failure. Yields once when
/// the connect completed without suspending (loopback), so an accepting task on the same thread
/// keeps up with a task connecting in a loop.
af::task<void> connect_fd(const socket_ptr& s, const sockaddr* addr, socklen_t len);

}  // namespace af::net::detail

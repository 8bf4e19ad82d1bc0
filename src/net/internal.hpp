// SPDX-License-Identifier: MIT
#pragma once
// Coroutines shared by the TCP and Unix socket types (accept with back-off, connect).
#include <sys/socket.h>

#include <string>
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

/// connect on `s` until established; throws "connect <name>: ..." on failure. Yields once when
/// the connect completed without suspending (loopback), so an accepting task on the same thread
/// keeps up with a task connecting in a loop.
af::task<void> connect_fd(const socket_ptr& s, const sockaddr* addr, socklen_t len);

}  // namespace af::net::detail

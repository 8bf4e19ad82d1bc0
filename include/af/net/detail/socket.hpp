// SPDX-License-Identifier: MIT
#pragma once
// The plumbing every af::net socket type shares: a reference-counted owner of one registered
// descriptor (a stream and its split halves share it: the descriptor closes when the last of
// them is gone), the error convention, and socket options.
//
// Errors: every failing system call becomes std::system_error(errno, std::generic_category())
// whose what() names the operation and the address ("connect 127.0.0.1:9: Connection refused").
#include <cstddef>      // std::byte
#include <memory>       // std::shared_ptr
#include <span>         // buffers
#include <string>       // names for error messages
#include <string_view>  // operation names
#include <sys/socket.h>  // sockaddr

#include "af/core/context.hpp"
#include "af/core/poll.hpp"
#include "af/rt/detail/reactor.hpp"

namespace af::net {

/// Which direction(s) `shutdown` closes.
enum class shutdown_how { read, write, both };

}  // namespace af::net

namespace af::net::detail {

/// One registered socket. `name` is what error messages show (the peer or bound address).
class socket_state {
public:
    socket_state(rt::detail::io_source* src, std::string name) noexcept : src_(src), name_(std::move(name)) {}
    socket_state(const socket_state&) = delete;
    socket_state& operator=(const socket_state&) = delete;
    ~socket_state() { src_->close(); }

    rt::detail::io_source& src() const noexcept { return *src_; }
    int fd() const noexcept { return src_->fd(); }
    const std::string& name() const noexcept { return name_; }
    void set_name(std::string n) { name_ = std::move(n); }

private:
    rt::detail::io_source* src_;
    std::string name_;
};

using socket_ptr = std::shared_ptr<socket_state>;

/// Throws std::system_error(err) with what() "<op> <target>: <strerror>" ("<op>: ..." when
/// `target` is empty).
[[noreturn]] void throw_error(int err, std::string_view op, std::string_view target);

/// socket(2) (non-blocking, close-on-exec) registered with the current runtime's reactor.
/// `op`/`target` name the caller for errors (also the reactor's "not in a runtime" error).
socket_ptr open_socket(int domain, int type, const char* op, const std::string& target);
/// Registers an already non-blocking descriptor (accept4's result, socketpair's halves).
socket_ptr adopt(int fd, const char* op, std::string name);

// The byte-stream operations behind af::io::async_read / async_write (errors throw).
af::poll<std::size_t> poll_read(socket_state& s, context& cx, std::span<std::byte> buf);
af::poll<std::size_t> poll_write(socket_state& s, context& cx, std::span<const std::byte> buf);
/// shutdown(2); a socket that is not connected (any more) is not an error here.
void shutdown(socket_state& s, shutdown_how how);

void set_int_option(const socket_state& s, int level, int name, int value, const char* what);
int int_option(const socket_state& s, int level, int name, const char* what);
/// getsockname/getpeername into `out`; throws naming `what`.
socklen_t sock_name(const socket_state& s, sockaddr_storage& out, bool peer, const char* what);

/// The future of one write: bytes accepted (maybe fewer than `buf.size()`).
template <class W>
class [[nodiscard("a future does nothing until it is awaited")]] write_future {
public:
    using output = std::size_t;
    write_future(W& w, std::span<const std::byte> buf) noexcept : w_(&w), buf_(buf) {}
    af::poll<std::size_t> poll(context& cx) { return w_->poll_write(cx, buf_); }

private:
    W* w_;
    std::span<const std::byte> buf_;
};

}  // namespace af::net::detail

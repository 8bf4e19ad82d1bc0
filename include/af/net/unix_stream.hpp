// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::net::unix_listener` and `af::net::unix_stream`: stream sockets on a filesystem path
/// (AF_UNIX), for processes on the same machine.
///
///     auto listener = af::net::unix_listener::bind("/tmp/app.sock");
///     auto client = co_await af::net::unix_stream::connect("/tmp/app.sock");
///     auto [server_side, peer_path] = co_await listener.accept();
///
/// Same API and conventions as tcp_listener / tcp_stream (af::io::async_read / async_write,
/// vectored writes, writes of `af::bytes` without a copy on io_uring, and send_file,
/// `into_split()`, errors naming the operation and path, EOF = read returns 0, the EMFILE
/// back-off of accept); addresses are paths. `unix_stream::pair()` makes two connected ends
/// without a path (socketpair). Binding fails with EADDRINUSE when the path exists: the
/// listener does not remove its socket file when destroyed, remove it yourself. For datagrams
/// see unix_datagram.
///
/// Thread safety: as tcp_stream: one task at a time, or split into halves for two tasks.
#include <string>   // paths
#include <utility>  // std::pair

#include "af/core/task.hpp"
#include "af/net/detail/stream.hpp"

namespace af::net {

class unix_listener;
class unix_read_half;
class unix_write_half;

class unix_stream : public detail::stream_ops {
public:
    /// Connects to the socket at `path`. Errors: std::system_error ("connect /x.sock: No such
    /// file or directory"). Cancellation: safe (the half-open socket is closed).
    static af::task<unix_stream> connect(std::string path);
    /// Two connected streams (socketpair(2)).
    static std::pair<unix_stream, unix_stream> pair();

    unix_stream() noexcept = default;  ///< Not connected; only assign to it.

    /// The peer's / our path ("" when unnamed).
    std::string peer_path() const;
    std::string local_path() const;

    /// Owned halves for two tasks; see tcp_stream::into_split.
    std::pair<unix_read_half, unix_write_half> into_split() &&;

private:
    friend class unix_listener;
    explicit unix_stream(detail::socket_ptr s) noexcept : stream_ops(std::move(s)) {}
};

class unix_read_half : public detail::read_ops {
private:
    friend class unix_stream;
    explicit unix_read_half(detail::socket_ptr s) noexcept : read_ops(std::move(s)) {}
};

class unix_write_half : public detail::write_ops {
private:
    friend class unix_stream;
    explicit unix_write_half(detail::socket_ptr s) noexcept : write_ops(std::move(s)) {}
};

class unix_listener {
public:
    /// Binds `path` and listens. Errors: std::system_error ("bind /x.sock: Address already in
    /// use").
    static unix_listener bind(std::string path, int backlog = 1024);
    /// The next connection and the peer's path (usually "": clients rarely bind).
    /// Cancellation: safe; a queued connection waits for the next accept.
    af::task<std::pair<unix_stream, std::string>> accept();
    std::string local_path() const;
    int native_handle() const noexcept { return s_.fd(); }

private:
    explicit unix_listener(detail::socket_ptr s) noexcept : s_(std::move(s)) {}
    detail::socket_ptr s_;
};

}  // namespace af::net

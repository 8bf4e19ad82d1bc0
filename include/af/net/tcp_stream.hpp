// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::net::tcp_stream`: a TCP connection, as an af::io byte stream; `into_split()` gives an
/// owned read half and write half for two tasks.
///
///     af::net::tcp_stream conn = co_await af::net::tcp_stream::connect(addr);
///     co_await conn.write_all("ping\n");
///     std::array<std::byte, 64> buf;
///     std::size_t n = co_await conn.read(buf);   // 0: the peer closed its side
///
/// tcp_stream satisfies af::io::async_read and af::io::async_write, so af::io::lines, copy,
/// buf_reader and framed work on it (and on the halves). It is vectored
/// (`write_all_vectored(slices)`, `poll_write_vectored`: several buffers in one sendmsg), and
/// `send_file(file, offset, count)` sends part of an af::fs::file with sendfile(2), without
/// copying it through user space (book chapter "Networking", design note 0018). `write_bytes`,
/// `poll_write_bytes` and `write_all_vectored` over `af::bytes` chunks (and
/// `af::io::write_all_buf` of bytes) send from the bytes' own memory: no copy on io_uring
/// (design note 0019). Get one from `connect` or from
/// `af::net::tcp_listener::accept`; for local inter-process streams see `unix_stream`.
///
/// Errors: std::system_error with the OS error and a what() naming the operation and the peer
/// ("read 127.0.0.1:5000: Connection reset by peer"); end of stream is not an error (read
/// returns 0). The socket must be used inside the runtime that created it (or after it is gone,
/// only destroyed); the descriptor is closed when the stream (and both halves) are destroyed.
///
/// Thread safety: a tcp_stream is used by one task at a time (it may move between threads).
/// For a reader and a writer running at once, `std::move(conn).into_split()`: the halves may be
/// used from two tasks on different threads simultaneously. (The reactor keeps one waker per
/// direction, so one reader and one writer is exactly what a socket supports.)
#include <chrono>    // linger
#include <optional>  // linger
#include <utility>   // std::pair

#include "af/core/task.hpp"
#include "af/net/detail/stream.hpp"
#include "af/net/socket_addr.hpp"

namespace af::net {

class tcp_listener;
class tcp_read_half;
class tcp_write_half;

class tcp_stream : public detail::stream_ops {
public:
    /// Connects to `addr`. Errors: std::system_error ("connect 127.0.0.1:9: Connection
    /// refused"); std::logic_error outside a runtime with I/O enabled.
    /// Cancellation: safe; dropping it mid-way closes the half-open socket (no connection
    /// is established on our side).
    static af::task<tcp_stream> connect(socket_addr addr);

    tcp_stream() noexcept = default;  ///< Not connected; only assign to it.

    socket_addr peer_addr() const;
    socket_addr local_addr() const;

    /// TCP_NODELAY: send small writes at once instead of coalescing them (Nagle's algorithm).
    void set_nodelay(bool on);
    bool nodelay() const;
    /// SO_KEEPALIVE: probe an idle connection (the kernel's intervals apply).
    void set_keepalive(bool on);
    bool keepalive() const;
    /// SO_SNDBUF / SO_RCVBUF in bytes (the kernel doubles what is asked and reports that).
    void set_send_buffer_size(int bytes);
    int send_buffer_size() const;
    void set_recv_buffer_size(int bytes);
    int recv_buffer_size() const;
    /// SO_LINGER. `0s` makes close send a reset (RST) instead of a normal shutdown;
    /// std::nullopt restores the default (close in the background).
    void set_linger(std::optional<std::chrono::seconds> t);
    std::optional<std::chrono::seconds> linger() const;

    /// Owned halves sharing the socket: the read half reads, the write half writes, each from
    /// its own task. The socket closes when both are gone.
    std::pair<tcp_read_half, tcp_write_half> into_split() &&;

private:
    friend class tcp_listener;
    explicit tcp_stream(detail::socket_ptr s) noexcept : stream_ops(std::move(s)) {}
};

/// The reading half of a split tcp_stream (af::io::async_read).
class tcp_read_half : public detail::read_ops {
public:
    socket_addr peer_addr() const;
    socket_addr local_addr() const;

private:
    friend class tcp_stream;
    explicit tcp_read_half(detail::socket_ptr s) noexcept : read_ops(std::move(s)) {}
};

/// The writing half of a split tcp_stream (af::io::async_write). Dropping it does not shut the
/// connection down; call `af::io::shutdown(half)` (or co_await its poll_shutdown) for that.
class tcp_write_half : public detail::write_ops {
public:
    socket_addr peer_addr() const;
    socket_addr local_addr() const;

private:
    friend class tcp_stream;
    explicit tcp_write_half(detail::socket_ptr s) noexcept : write_ops(std::move(s)) {}
};

}  // namespace af::net

// SPDX-License-Identifier: MIT
#pragma once
// The byte-stream surface shared by tcp_stream / unix_stream and their split halves: the
// af::io::async_read / async_write members plus the awaitable helpers (read, write, read_exact,
// write_all), written once over a counted socket_ptr.
#include <cstdint>      // send_file offsets
#include <string_view>  // write_all of text
#include <utility>      // std::move

#include "af/io/read.hpp"
#include "af/io/read_exact.hpp"
#include "af/io/write_all.hpp"
#include "af/io/write_all_vectored.hpp"
#include "af/net/detail/socket.hpp"

namespace af::net::detail {

/// Reading side. One read (or read_exact) in flight at a time.
class read_ops {
public:
    /// af::io::async_read: bytes read, 0 at end of stream; errors throw std::system_error.
    af::poll<std::size_t> poll_read(context& cx, std::span<std::byte> buf) { return detail::poll_read(s_, cx, buf); }

    /// One read: the number of bytes put into `buf`, 0 once the peer shut down its side.
    /// Cancellation: safe; dropping a pending read loses no data (the next read sees it).
    auto read(std::span<std::byte> buf) noexcept { return af::io::read(*this, buf); }
    /// Fills all of `buf` or throws (af::io::error::unexpected_eof when the stream ends first).
    /// Cancellation: NOT safe; bytes already read into `buf` are gone from the stream.
    auto read_exact(std::span<std::byte> buf) noexcept {
        return af::io::read_exact(*this, buf);
    }

    int native_handle() const noexcept { return s_.fd(); }

protected:
    explicit read_ops(socket_ptr s) noexcept : s_(std::move(s)) {}
    socket_ptr s_;
};

/// Writing side. One write (or write_all) in flight at a time.
class write_ops {
public:
    /// af::io::async_write: bytes accepted; a peer that went away throws std::system_error
    /// (EPIPE or ECONNRESET).
    af::poll<std::size_t> poll_write(context& cx, std::span<const std::byte> buf) {
        return detail::poll_write(s_, cx, buf);
    }
    /// Vectored write (sendmsg of the slices; see af::io::poll_write_vectored): bytes of the
    /// slices' concatenation accepted. At most IOV_MAX slices (1024) per call, and on io_uring
    /// at most 64 KiB (gathered into the socket's copy buffer). Cancellation: as `write`.
    af::poll<std::size_t> poll_write_vectored(context& cx, std::span<const af::io::io_slice> slices) {
        return detail::poll_write_vectored(s_, cx, slices);
    }
    bool is_write_vectored() const noexcept { return true; }
    /// Write of `af::bytes` chunks from their own memory (af::io::async_write_bytes): bytes of
    /// their concatenation accepted (the first 64 non-empty chunks at most). On io_uring the
    /// socket keeps references to the chunks while the kernel sends them, so there is no copy
    /// and no 64 KiB limit; on epoll it is poll_write_vectored. Cancellation: as `write`.
    af::poll<std::size_t> poll_write_bytes(context& cx, std::span<const af::bytes> chunks) {
        return detail::poll_write_bytes(s_, cx, chunks);
    }
    /// Sockets do not buffer in user space: always ready.
    af::poll<void> poll_flush(context&) noexcept { return {}; }
    /// Shuts the writing direction down (the peer reads end of stream).
    af::poll<void> poll_shutdown(context&) {
        detail::shutdown(s_, shutdown_how::write);
        return {};
    }

    /// One write: the number of bytes accepted (maybe fewer than `buf.size()`).
    /// Cancellation: with epoll, a dropped pending write wrote nothing. With io_uring it may
    /// still go out: writing the same bytes again is then reported once, with no byte sent
    /// twice, while writing other bytes first fails with EIO (std::system_error).
    auto write(std::span<const std::byte> buf) noexcept { return write_future(*this, buf); }
    /// One write of `b` from its own memory (no copy on io_uring, see poll_write_bytes): the
    /// number of bytes accepted. The future holds a reference to `b`. Cancellation: as `write`
    /// (writing the same bytes again after a drop reports them once).
    auto write_bytes(af::bytes b) noexcept { return write_bytes_future(*this, std::move(b)); }
    /// Writes all of `buf`. Cancellation: NOT safe; a prefix of `buf` may have been sent, and
    /// how much is not reported.
    auto write_all(std::span<const std::byte> buf) noexcept {
        return af::io::write_all(*this, buf);
    }
    auto write_all(std::string_view text) noexcept {
        return af::io::write_all(*this, std::as_bytes(std::span(text.data(), text.size())));
    }
    /// Writes all of the slices' bytes with vectored writes, advancing `slices` as it goes
    /// (af::io::write_all_vectored). Cancellation: NOT safe, as write_all.
    auto write_all_vectored(std::span<af::io::io_slice> slices) noexcept {
        return af::io::write_all_vectored(*this, slices);
    }
    /// Writes all of the chunks with poll_write_bytes (no copy on io_uring), advancing
    /// `chunks` as it goes. Cancellation: NOT safe, as write_all.
    auto write_all_vectored(std::span<af::bytes> chunks) noexcept {
        return af::io::write_all_vectored(*this, chunks);
    }
    /// Sends `count` bytes of file `f` from `offset` with sendfile(2) (the kernel copies from
    /// the page cache: no user-space buffer); the file's position does not move, and writes
    /// still buffered in `f` (write-behind) are not seen: flush `f` first. Output: bytes sent,
    /// fewer than `count` when the file ends first (0 for an offset at or past its end).
    /// On io_uring the socket is waited on with POLLOUT and sendfile(2) runs when it is
    /// writable (design note 0018). Errors: std::system_error ("sendfile <peer>: ..."); EIO on
    /// io_uring after a dropped write that went out (as `write`). The future borrows the
    /// stream and `f`. Cancellation: nothing is in flight between polls, but a dropped
    /// send_file may have sent a prefix of the range, and how much is not reported.
    send_file_future send_file(const af::fs::file& f, std::uint64_t offset, std::uint64_t count) noexcept {
        return send_file_future(s_, detail::file_handle(f), offset, count);
    }

    int native_handle() const noexcept { return s_.fd(); }

protected:
    explicit write_ops(socket_ptr s) noexcept : s_(std::move(s)) {}
    socket_ptr s_;
};

/// Both sides over one socket (the unsplit stream).
class stream_ops {
public:
    af::poll<std::size_t> poll_read(context& cx, std::span<std::byte> buf) { return detail::poll_read(s_, cx, buf); }
    af::poll<std::size_t> poll_write(context& cx, std::span<const std::byte> buf) {
        return detail::poll_write(s_, cx, buf);
    }
    /// See write_ops::poll_write_vectored.
    af::poll<std::size_t> poll_write_vectored(context& cx, std::span<const af::io::io_slice> slices) {
        return detail::poll_write_vectored(s_, cx, slices);
    }
    bool is_write_vectored() const noexcept { return true; }
    /// See write_ops::poll_write_bytes.
    af::poll<std::size_t> poll_write_bytes(context& cx, std::span<const af::bytes> chunks) {
        return detail::poll_write_bytes(s_, cx, chunks);
    }
    af::poll<void> poll_flush(context&) noexcept { return {}; }
    af::poll<void> poll_shutdown(context&) {
        detail::shutdown(s_, shutdown_how::write);
        return {};
    }

    /// See read_ops::read. Cancellation: safe.
    auto read(std::span<std::byte> buf) noexcept { return af::io::read(*this, buf); }
    /// See read_ops::read_exact. Cancellation: NOT safe.
    auto read_exact(std::span<std::byte> buf) noexcept {
        return af::io::read_exact(*this, buf);
    }
    /// See write_ops::write. Cancellation: safe.
    auto write(std::span<const std::byte> buf) noexcept { return write_future(*this, buf); }
    /// See write_ops::write_bytes. Cancellation: safe, as `write`.
    auto write_bytes(af::bytes b) noexcept { return write_bytes_future(*this, std::move(b)); }
    /// See write_ops::write_all. Cancellation: NOT safe.
    auto write_all(std::span<const std::byte> buf) noexcept {
        return af::io::write_all(*this, buf);
    }
    auto write_all(std::string_view text) noexcept {
        return af::io::write_all(*this, std::as_bytes(std::span(text.data(), text.size())));
    }
    /// See write_ops::write_all_vectored. Cancellation: NOT safe.
    auto write_all_vectored(std::span<af::io::io_slice> slices) noexcept {
        return af::io::write_all_vectored(*this, slices);
    }
    /// See write_ops::write_all_vectored (af::bytes chunks). Cancellation: NOT safe.
    auto write_all_vectored(std::span<af::bytes> chunks) noexcept {
        return af::io::write_all_vectored(*this, chunks);
    }
    /// See write_ops::send_file. Cancellation: a prefix may have been sent, unreported.
    send_file_future send_file(const af::fs::file& f, std::uint64_t offset, std::uint64_t count) noexcept {
        return send_file_future(s_, detail::file_handle(f), offset, count);
    }

    /// shutdown(2) without waiting: `write` makes the peer read end of stream while this side
    /// can still read; `read` makes later reads return 0.
    void shutdown(shutdown_how how) { detail::shutdown(s_, how); }

    int native_handle() const noexcept { return s_.fd(); }
    /// False once moved from (or split).
    explicit operator bool() const noexcept { return static_cast<bool>(s_); }

protected:
    stream_ops() noexcept = default;
    explicit stream_ops(socket_ptr s) noexcept : s_(std::move(s)) {}
    socket_ptr s_;
};

}  // namespace af::net::detail

// SPDX-License-Identifier: MIT
#pragma once
// The plumbing every af::net socket type shares: a reference-counted owner of one registered
// descriptor (a stream and its split halves share it: the descriptor closes when the last of
// them is gone), the error convention, and socket options.
//
// Memory: one heap block per socket. The reference count and the name live in the tail of the
// reactor's source (rt::detail::reactor::open(fd, tail)), so a handle is one pointer and there
// is neither a second allocation nor a shared_ptr control block.
//
// Errors: every failing system call becomes std::system_error(errno, std::generic_category())
// whose what() names the operation and the address ("connect 127.0.0.1:9: Connection refused").
#include <atomic>       // the handles' reference count
#include <cstddef>      // std::byte
#include <cstdint>      // std::uint32_t
#include <span>         // buffers
#include <string>       // names for error messages
#include <string_view>  // operation names
#include <utility>      // std::exchange
#include <sys/socket.h>  // sockaddr

#include "af/bytes/bytes.hpp"  // writes from memory the operation owns
#include "af/core/context.hpp"
#include "af/core/poll.hpp"
#include "af/io/io_slice.hpp"
#include "af/rt/detail/reactor.hpp"

namespace af::fs {
class file;
}  // namespace af::fs

namespace af::net {

/// Which direction(s) `shutdown` closes.
enum class shutdown_how { read, write, both };

}  // namespace af::net

namespace af::net::detail {

/// What af::net keeps per socket, in the tail of the reactor's source. `name` is what error
/// messages show (the peer or bound address).
struct socket_tail {
    explicit socket_tail(std::string n) noexcept : name(std::move(n)) {}
    std::atomic<std::uint32_t> refs{1};
    std::string name;
};

/// A counted reference to one registered socket; the last one to go closes the source.
/// Thread safety: distinct handles to the same socket may be copied and dropped on any threads
/// (the split halves); one handle is not to be shared.
class socket_ptr {
public:
    socket_ptr() noexcept = default;
    socket_ptr(const socket_ptr& other) noexcept : src_(other.src_) {
        // Relaxed: a new reference is made from an existing one.
        if (src_ != nullptr) tail().refs.fetch_add(1, std::memory_order_relaxed);
    }
    socket_ptr(socket_ptr&& other) noexcept : src_(std::exchange(other.src_, nullptr)) {}
    socket_ptr& operator=(socket_ptr other) noexcept {
        std::swap(src_, other.src_);
        return *this;
    }
    ~socket_ptr() { reset(); }

    /// Registers `fd` (non-blocking; owned from now on, closed even when this throws).
    static socket_ptr open(rt::detail::reactor& r, int fd, std::string name);

    void reset() noexcept {
        rt::detail::io_source* s = std::exchange(src_, nullptr);
        if (s == nullptr) return;
        socket_tail& t = *static_cast<socket_tail*>(s->tail());
        // AcqRel: the last owner must see every other owner's use before closing.
        if (t.refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            t.~socket_tail();
            s->close();
        }
    }

    explicit operator bool() const noexcept { return src_ != nullptr; }

    rt::detail::io_source& src() const noexcept { return *src_; }
    int fd() const noexcept { return src_->fd(); }
    const std::string& name() const noexcept { return tail().name; }
    /// Only while one handle exists (during setup, or on the owning object).
    void set_name(std::string n) { tail().name = std::move(n); }

private:
    explicit socket_ptr(rt::detail::io_source* s) noexcept : src_(s) {}
    socket_tail& tail() const noexcept { return *static_cast<socket_tail*>(src_->tail()); }

    rt::detail::io_source* src_ = nullptr;
};

/// Throws std::system_error(err) with what() "<op> <target>: <strerror>" ("<op>: ..." when
/// `target` is empty).
[[noreturn]] void throw_error(int err, std::string_view op, std::string_view target);

/// socket(2) (non-blocking, close-on-exec) registered with the current runtime's reactor.
/// `op`/`target` name the caller for errors (also the reactor's "not in a runtime" error).
socket_ptr open_socket(int domain, int type, const char* op, const std::string& target);
/// Registers an already non-blocking descriptor (accept4's result, socketpair's halves).
socket_ptr adopt(int fd, const char* op, std::string name);

// The byte-stream operations behind af::io::async_read / async_write (errors throw).
af::poll<std::size_t> poll_read(const socket_ptr& s, context& cx, std::span<std::byte> buf);
af::poll<std::size_t> poll_write(const socket_ptr& s, context& cx, std::span<const std::byte> buf);
/// One vectored write (the first IOV_MAX slices at most): bytes of their concatenation accepted.
af::poll<std::size_t> poll_write_vectored(const socket_ptr& s, context& cx, std::span<const af::io::io_slice> slices);
/// One write of the chunks' concatenation from their own memory (the first
/// rt::detail::io_source::max_bytes_chunks non-empty ones at most; io_uring keeps references
/// to them while the kernel sends, epoll writes them as slices): bytes accepted.
af::poll<std::size_t> poll_write_bytes(const socket_ptr& s, context& cx, std::span<const af::bytes> chunks);
/// The descriptor of an af::fs::file (-1 when moved from), for sendfile.
int file_handle(const af::fs::file& f) noexcept;
/// shutdown(2); a socket that is not connected (any more) is not an error here.
void shutdown(const socket_ptr& s, shutdown_how how);

void set_int_option(const socket_ptr& s, int level, int name, int value, const char* what);
int int_option(const socket_ptr& s, int level, int name, const char* what);
/// getsockname/getpeername into `out`; throws naming `what`.
socklen_t sock_name(const socket_ptr& s, sockaddr_storage& out, bool peer, const char* what);

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

/// The future of `write_bytes`: bytes of `b` accepted (maybe fewer than `b.size()`). It owns
/// its `b` (a reference), so it may outlive the caller's copy.
template <class W>
class [[nodiscard("a future does nothing until it is awaited")]] write_bytes_future {
public:
    using output = std::size_t;
    write_bytes_future(W& w, af::bytes b) noexcept : w_(&w), b_(std::move(b)) {}
    af::poll<std::size_t> poll(context& cx) { return w_->poll_write_bytes(cx, std::span<const af::bytes>(&b_, 1)); }

private:
    W* w_;
    af::bytes b_;
};

/// The future of `send_file`: bytes of the file sent (fewer than asked when the file ends).
class [[nodiscard("a future does nothing until it is awaited")]] send_file_future {
public:
    using output = std::uint64_t;
    send_file_future(const socket_ptr& s, int in_fd, std::uint64_t offset, std::uint64_t count) noexcept
        : s_(&s), fd_(in_fd), off_(offset), left_(count) {}
    af::poll<std::uint64_t> poll(context& cx);

private:
    const socket_ptr* s_;
    int fd_;
    std::uint64_t off_;
    std::uint64_t left_;
    std::uint64_t sent_ = 0;
};

}  // namespace af::net::detail

// SPDX-License-Identifier: MIT
#pragma once
// The runtime's I/O backends behind one interface (epoll and io_uring), as seen by af::net,
// af::fs, af::signal and af::process.
//
// An `io_source` is one open descriptor registered with the reactor of the runtime it was opened
// in. Its operations are poll functions: each call either finishes the operation (a byte count,
// a new descriptor, 0, or -errno) or stores the context's waker and returns pending. They are
// the same for both backends; only what happens underneath differs:
//   - epoll (readiness): the poll tries the system call at once when the descriptor is believed
//     ready, and waits for the next edge-triggered event after EAGAIN. Nothing is in flight
//     between polls, so dropping a pending operation loses nothing.
//   - io_uring (completion): the first poll submits the operation with memory the caller's
//     future cannot take away: stream reads pick a buffer from the reactor's provided-buffer
//     pool (or, without one, the source's own buffer) and are copied out; writes are copied
//     into the source's buffer, or, for poll_write_bytes, sent from the af::bytes the source
//     keeps a reference to (design note 0019). So the kernel never holds a pointer into memory
//     a dropped future could free. An operation whose future is dropped stays in flight:
//     a read's bytes are handed to the next read of the same source instead of being lost, and
//     closing the source cancels (IORING_OP_ASYNC_CANCEL) and frees it only once the kernel's
//     completion arrived.
// Writes, on both backends: a byte the kernel accepted is reported to the caller exactly once.
// poll_write returns only counts of bytes that are in the kernel (so a no-op flush and an
// immediate shutdown(2) after it lose nothing), and never starts a write while another is in
// the kernel. On io_uring a write may finish after its future was dropped, or while the caller
// polls with another pointer or length (a buffer that grew or moved): its bytes are reported
// by the next poll_write whose buffer starts with them (compared), as many as it asks for, and
// nothing new is sent before they are all reported; an error is reported by the next write.
// A caller that drops a write that went out anyway and then writes other bytes gets -EIO from
// that write instead of a stream that silently holds bytes it believes unsent (epoll sends
// nothing for a dropped write, so there the new bytes simply follow). poll_send_to: a datagram polled
// again from another buffer (same bytes, same address) is sent once and reported once.
// One reader and one writer at a time: a source keeps one waker per direction, so two tasks
// reading (or accepting) on the same source at once would take each other's wake-ups.
//
// Memory: a source is one heap block, and `open(fd, tail)` makes it `tail` bytes longer for
// the caller's own per-descriptor state (af::net keeps its reference count and error name
// there), so a socket costs one allocation, not two. The caller builds and destroys what it
// keeps in the tail; the reactor only frees the bytes, with the source.
#include <atomic>   // reference count
#include <cstddef>  // std::size_t, std::max_align_t
#include <cstdint>  // sendfile offsets
#include <sys/socket.h>  // sockaddr, socklen_t
#include <sys/uio.h>     // iovec

#include "af/bytes/bytes.hpp"  // poll_write_bytes: memory the operation owns
#include "af/core/context.hpp"
#include "af/core/poll.hpp"

namespace af::rt::detail {

/// Which backend a runtime uses for I/O.
enum class io_backend_kind { epoll, io_uring };

class io_source {
public:
    io_source(const io_source&) = delete;
    io_source& operator=(const io_source&) = delete;

    int fd() const noexcept { return fd_; }

    /// The `tail` bytes asked for in reactor::open, aligned for any type (meaningless when none
    /// were asked for). Whatever the caller built there must be destroyed before close().
    virtual void* tail() noexcept = 0;

    /// read(2) into [buf, buf + len): bytes read (0 at end of file) or -errno.
    virtual af::poll<long> poll_read(context& cx, void* buf, std::size_t len) = 0;
    /// write(2) (send with MSG_NOSIGNAL on sockets): bytes written or -errno; each accepted
    /// byte is reported once, also across changed arguments and dropped writes (see above).
    virtual af::poll<long> poll_write(context& cx, const void* buf, std::size_t len) = 0;
    /// writev(2) (sendmsg with MSG_NOSIGNAL on sockets) of the concatenation of `iov[0..n)`
    /// (at most IOV_MAX of them; io_uring: at most its 64 KiB copy buffer): bytes written or
    /// -errno. The same contract as poll_write, for the concatenation: a later poll_write or
    /// poll_write_vectored whose bytes start with a finished write's is told about them.
    virtual af::poll<long> poll_write_vectored(context& cx, const iovec* iov, int n) = 0;
    /// Writes the concatenation of `chunks[0..n)` (at most max_bytes_chunks of them) like
    /// poll_write_vectored, under the same write-once contract, but the source may keep
    /// references to the chunks and hand the kernel their memory instead of a copy: io_uring
    /// does (sendmsg/writev from the chunks, released once the result is reported or the
    /// source closes; no 64 KiB limit), epoll and this default write them as slices.
    virtual af::poll<long> poll_write_bytes(context& cx, const af::bytes* chunks, std::size_t n) {
        iovec iov[max_bytes_chunks];
        int k = 0;
        for (std::size_t i = 0; i < n && k < max_bytes_chunks; ++i) {
            if (chunks[i].empty()) continue;
            iov[k++] = {const_cast<std::byte*>(chunks[i].data()), chunks[i].size()};  // only read from
        }
        return poll_write_vectored(cx, iov, k);
    }
    /// Most chunks one poll_write_bytes takes (more are left for the next call).
    static constexpr int max_bytes_chunks = 64;
    /// sendfile(2) of up to `count` bytes of `in_fd` from `offset` (`in_fd`'s position does not
    /// move) on a stream socket: bytes sent, 0 at end of file, or -errno; pending until the
    /// socket is writable. Nothing is in flight between polls (io_uring waits for POLLOUT, then
    /// calls sendfile(2)): dropping it loses nothing. A write of the other kind that finished
    /// unreported in the kernel (dropped) makes it fail with -EIO, as another write would.
    virtual af::poll<long> poll_sendfile(context& cx, int in_fd, std::uint64_t offset, std::size_t count) = 0;
    /// recvfrom(2): bytes received or -errno; `*from_len` is in/out.
    virtual af::poll<long> poll_recv_from(context& cx, void* buf, std::size_t len, sockaddr* from,
                                          socklen_t* from_len) = 0;
    /// sendto(2): bytes sent or -errno; a datagram polled again with the same bytes and address
    /// (any buffer) is sent once.
    virtual af::poll<long> poll_send_to(context& cx, const void* buf, std::size_t len, const sockaddr* to,
                                        socklen_t to_len) = 0;
    /// accept4(2) (non-blocking, close-on-exec): the new descriptor or -errno.
    virtual af::poll<long> poll_accept(context& cx, sockaddr* addr, socklen_t* addr_len) = 0;
    /// connect(2) on a non-blocking socket: 0 once connected, or -errno. Call with the same
    /// address until it is ready.
    virtual af::poll<long> poll_connect(context& cx, const sockaddr* addr, socklen_t addr_len) = 0;
    /// Ready (0) once the descriptor is readable (or hung up / in error), without reading.
    virtual af::poll<long> poll_readable(context& cx) = 0;
    /// Deregisters and closes the descriptor; frees the source once no event or in-flight
    /// operation can reach it. The caller must not use the source afterwards.
    virtual void close() noexcept = 0;

    /// For backends: where the tail of a source of type `S` starts, from the source's address.
    template <class S>
    static constexpr std::size_t tail_offset() noexcept {
        constexpr std::size_t a = alignof(std::max_align_t);
        return (sizeof(S) + a - 1) / a * a;
    }

protected:
    explicit io_source(int fd) noexcept : fd_(fd) {}
    virtual ~io_source() = default;

private:
    int fd_;
};

/// Reference-counted: the runtime holds one reference and every open source another, so a
/// socket that outlives its runtime still closes into a live (idle) reactor.
class reactor {
public:
    reactor(const reactor&) = delete;
    reactor& operator=(const reactor&) = delete;

    void retain() noexcept {
        // Relaxed: a new reference is made from an existing one.
        refs_.fetch_add(1, std::memory_order_relaxed);
    }
    void release() noexcept {
        // AcqRel: the last release must see every write made through the other references.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    /// Registers `fd` (which must be non-blocking; the source owns it from now on, and closes
    /// it even when this throws std::system_error or std::bad_alloc). The source holds a
    /// reference to the reactor until it is freed. `tail`: bytes of caller state allocated in
    /// the same block (see io_source::tail).
    virtual io_source* open(int fd, std::size_t tail = 0) = 0;
    virtual io_backend_kind kind() const noexcept = 0;

    // --- the driver's side ---
    /// Waits for I/O events, an unpark, or `timeout_ms` (-1: no limit; 0: just look), and wakes
    /// the tasks the events concern. True when it woke any. Only one thread at a time.
    virtual bool park(int timeout_ms) = 0;
    /// Ends a park in progress (or the next one) at once. Any thread.
    virtual void unpark() noexcept = 0;
    /// Registered sources (metrics).
    virtual std::size_t sources() const noexcept = 0;
    /// Whether stream reads use a provided-buffer pool shared by all sources (io_uring with
    /// a kernel that has buffer rings, 5.19+; design note 0019) instead of a buffer per source.
    virtual bool provided_buffers() const noexcept { return false; }
    /// Pool buffers that sources hold now (read data not yet handed out); 0 once every source
    /// is closed or read out (tests check that none leak).
    virtual std::size_t provided_buffers_held() const noexcept { return 0; }

protected:
    reactor() noexcept = default;
    virtual ~reactor() = default;

private:
    std::atomic<std::size_t> refs_{1};
};

/// Owns one reference to a reactor.
struct reactor_release {
    void operator()(reactor* r) const noexcept { r->release(); }
};

/// The reactor of the calling thread's runtime; throws std::logic_error naming `what` when the
/// thread is not in a runtime or the runtime was built without enable_io().
reactor& require_reactor(const char* what);

/// Creates a reactor of the given kind; throws std::system_error when the kernel refuses
/// (io_uring disabled, out of memory).
reactor* make_epoll_reactor();
reactor* make_uring_reactor();

/// Tests and measurements: whether io_uring reactors made from now on may use a provided-buffer
/// pool for reads (default true; false forces the per-source copy buffer, the fallback path).
inline std::atomic<bool>& uring_provided_buffers_allowed() noexcept {
    static std::atomic<bool> allowed{true};
    return allowed;
}
inline void set_uring_provided_buffers(bool allowed) noexcept {
    uring_provided_buffers_allowed().store(allowed);
}

}  // namespace af::rt::detail

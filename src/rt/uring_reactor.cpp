// SPDX-License-Identifier: MIT
// The io_uring backend: completion-based I/O (design note docs/design/0008-reactor.md).
//
// Every source has two sides, read (read, recv_from, accept, poll_readable) and write (write,
// send_to, connect), each with at most one operation in the kernel. An operation is submitted
// by the first poll that finds its side idle, with memory no future owns: stream-socket reads
// pick a buffer from the reactor's provided-buffer pool when it has one (IOSQE_BUFFER_SELECT;
// design note 0019), other reads land in the source's buffer; either is copied out by the poll
// that finds the read complete, and a pool buffer goes back to the pool once read out. Writes
// are copied into the source's buffer before submission, or, for poll_write_bytes, sent from
// the af::bytes chunks the source keeps references to until their result is reported.
// Addresses and msghdrs live in the source. So the kernel never holds a pointer into memory a
// caller could free, and a future may be dropped at any point.
//
// Why not read straight into the caller's buffer: a read future dropped while its recv is in
// the kernel would leave the kernel writing into memory the caller has freed or reused, and
// cancelling (ASYNC_CANCEL) is asynchronous, so a drop cannot wait for it. The pool gives the
// same single copy (kernel buffer -> caller) while an idle source holds no buffer at all.
//
// Dropped operations: nothing tells the source that a future died; the next poll of the same
// side simply finds an operation in flight or complete. On the read side that is harmless:
// completed bytes are handed to whichever read comes next (in order, none lost).
//
// The write side keeps one promise (issue 11): a byte the kernel accepted is reported exactly
// once. A poll_write never submits while the side's operation is in the kernel, and the result
// of a finished write goes to the next poll_write, whatever pointer and length it names: a
// writer whose buffer grew or moved (framed, send_all feeding more during a flush) or that
// dropped a write and writes the rest again always starts its next buffer with the unreported
// bytes, so it is told "n written" for exactly those bytes (compared, not assumed) and goes on
// after them; bytes it asks less than stay for its next poll, before anything new is
// submitted. An error is handed to the next write likewise. A writer that drops a write and
// then writes other bytes gets EIO from that write: its dropped bytes went out regardless (the
// one place where the backends differ; epoll never has a write in flight). Datagrams: the next
// poll_send_to of the same bytes and address (from any buffer) gets the first one's result
// instead of sending it twice; another datagram means the old one was given up.
// Why not report a write as soon as its bytes are copied into the source's buffer (write-
// behind)? Sockets' poll_flush is a no-op and shutdown(2) and close are immediate, so the
// last buffered bytes would race the FIN or be cancelled by close; here a reported byte is
// in the kernel's socket buffer, which flush, shutdown and close all respect.
//
// Freeing: a source counts its operations in the kernel. close() submits IORING_OP_ASYNC_CANCEL
// for each, and the source is freed by whichever thread handles its last completion (or by
// close() itself when nothing is in flight), so a completion never reaches freed memory.
// close() never waits: a closed source gives its reactor reference back at once, and the
// reactor's destructor drains the ring once for every source still closing (issue 17).
//
// Threads: SQ access is serialised by `ring_m_` and every poll submits at once (io_uring_submit),
// so no submission waits for a park. CQ consumption is serialised by `cq_m_`; the parker waits in
// io_uring_enter without holding it, so a poll that just submitted can reap its own completion
// at once (a read of ready data, a write with buffer space: both complete inside the submit)
// instead of going through the parked thread. Wakers are woken and sources freed after every
// lock is released. Lock order: cq_m_ -> source -> ring_m_; park_m_ only around the wait.
// unpark() writes an eventfd that a multishot POLL_ADD watches (never drained, see reap).
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "af/core/coop.hpp"
#include "af/rt/detail/reactor.hpp"
#include "fault_injection.hpp"

namespace af::rt::detail {
namespace {

// user_data: a source pointer (8-aligned) with the side and the kind of operation in the low bits.
constexpr std::uint64_t tag_read = 0;
constexpr std::uint64_t tag_write = 1;
constexpr std::uint64_t tag_retry_poll = 2;  // a POLL_ADD waiting to re-issue an op that said EAGAIN
constexpr std::uint64_t tag_fault = 4;  // a NOP standing in for the op, completing with side::fault_res (tests)
constexpr std::uint64_t tag_mask = 7;
constexpr std::uint64_t ud_ignore = 0;  // cancel requests: their completions carry nothing
constexpr std::uint64_t ud_wake = 1;    // the unpark eventfd's poll

// Largest single operation; a larger request is served in parts (short reads/writes are legal).
constexpr std::size_t max_io = 64 * 1024;

// recv_select: a recv that takes its buffer from the pool; send_bytes / writev_bytes: stream
// writes from the af::bytes chunks in side::owned (sockets / other descriptors).
enum class op_kind : std::uint8_t {
    none, read, recv, recv_select, recvmsg, accept, poll_in,
    write, send, send_bytes, writev_bytes, sendmsg, connect, poll_out
};

// The writes of the byte stream: their results meet the next write of any of these kinds.
constexpr bool is_stream_write(op_kind k) noexcept {
    return k == op_kind::write || k == op_kind::send || k == op_kind::send_bytes || k == op_kind::writev_bytes;
}

// The provided-buffer pool (design note 0019): `count` buffers of `size` bytes in one lazily
// committed mapping, offered to the kernel through a buffer ring (group `group`). A recv with
// IOSQE_BUFFER_SELECT takes one only when data arrives, so a source waiting for data holds no
// memory; the source that got it copies out of it and gives it back. Giving back happens on
// whichever thread reads (or closes), so `m_` serialises the ring's tail.
class buffer_pool {
public:
    static constexpr unsigned count = 128;  // a power of two (the ring's size)
    static constexpr std::size_t size = 16 * 1024;
    static constexpr int group = 0;

    // Registers a pool with `ring`; nullptr when the kernel lacks buffer rings (before 5.19)
    // or IORING_OP_RECV, or memory is short: reads then use a buffer per source.
    static std::unique_ptr<buffer_pool> make(io_uring& ring) noexcept {
        if (!uring_provided_buffers_allowed().load()) return nullptr;
        if (io_uring_probe* probe = io_uring_get_probe_ring(&ring)) {
            bool recv = io_uring_opcode_supported(probe, IORING_OP_RECV) != 0;
            io_uring_free_probe(probe);
            if (!recv) return nullptr;
        } else {
            return nullptr;
        }
        std::size_t ring_bytes = count * sizeof(io_uring_buf);
        void* br = ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (br == MAP_FAILED) return nullptr;
        void* data = ::mmap(nullptr, count * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (data == MAP_FAILED) {
            ::munmap(br, ring_bytes);
            return nullptr;
        }
        io_uring_buf_reg reg{};
        reg.ring_addr = reinterpret_cast<std::uint64_t>(br);
        reg.ring_entries = count;
        reg.bgid = group;
        // The probe proper: -EINVAL from kernels without buffer rings.
        if (io_uring_register_buf_ring(&ring, &reg, 0) != 0) {
            ::munmap(data, count * size);
            ::munmap(br, ring_bytes);
            return nullptr;
        }
        std::unique_ptr<buffer_pool> p(new (std::nothrow) buffer_pool(static_cast<io_uring_buf_ring*>(br), static_cast<char*>(data)));
        if (p == nullptr) {
            io_uring_unregister_buf_ring(&ring, group);
            ::munmap(data, count * size);
            ::munmap(br, ring_bytes);
            return nullptr;
        }
        io_uring_buf_ring_init(p->br_);
        for (unsigned i = 0; i < count; ++i) {
            io_uring_buf_ring_add(p->br_, p->data(i), size, static_cast<unsigned short>(i), io_uring_buf_ring_mask(count), static_cast<int>(i));
        }
        io_uring_buf_ring_advance(p->br_, static_cast<int>(count));
        return p;
    }

    buffer_pool(const buffer_pool&) = delete;
    buffer_pool& operator=(const buffer_pool&) = delete;
    // Only after the ring is gone (or the group unregistered): the kernel may still pick buffers.
    ~buffer_pool() {
        ::munmap(base_, count * size);
        ::munmap(br_, count * sizeof(io_uring_buf));
    }

    char* data(unsigned bid) noexcept { return base_ + static_cast<std::size_t>(bid) * size; }

    // The kernel handed buffer `bid` to a completion (counted for provided_buffers_held).
    void taken() noexcept { held_.fetch_add(1, std::memory_order_relaxed); }  // Relaxed: a metric
    std::size_t held() const noexcept { return held_.load(std::memory_order_relaxed); }

    // Offers buffer `bid` to the kernel again (its bytes are read out or dropped).
    void give_back(unsigned bid) noexcept {
        std::lock_guard lk(m_);
        io_uring_buf_ring_add(br_, data(bid), size, static_cast<unsigned short>(bid), io_uring_buf_ring_mask(count), 0);
        io_uring_buf_ring_advance(br_, 1);  // a release store of the tail: the kernel sees the entry
        held_.fetch_sub(1, std::memory_order_relaxed);
    }

private:
    buffer_pool(io_uring_buf_ring* br, char* base) noexcept : br_(br), base_(base) {}
    io_uring_buf_ring* br_;
    char* base_;
    std::mutex m_;
    std::atomic<std::size_t> held_{0};
};

constexpr unsigned ring_entries = 256;

// The reactor whose completions this thread is handling (a waker or a destructor reached from
// there must not try to take the CQ lock again).
thread_local const void* tl_reaping = nullptr;
// The reactor this thread is parked in (a close() reached from a wake must not wait on park_m_).
thread_local const void* tl_parking = nullptr;

class uring_reactor;

struct side {
    op_kind kind = op_kind::none;
    bool in_flight = false;  // the op's completion is due
    bool retrying = false;   // a retry POLL_ADD's completion is due
    bool done = false;       // completed; `res` not yet handed out
    int res = 0;
    std::size_t off = 0;     // bytes of `res` already handed out (read data; written bytes)
    std::size_t len = 0;     // bytes submitted
    const void* caller = nullptr;  // write side: the submitting caller's buffer (for a 0 result)
    int bid = -1;                  // read side: the pool buffer holding `res` (released by the source)
    int fault_res = 0;             // fault injection: the result the standing-in NOP reports
    std::unique_ptr<char[]> buf;
    std::size_t cap = 0;
    // send_bytes / writev_bytes: the chunks the kernel reads from and their iovecs (the msghdr
    // points there). Allocated on a source's first such write: one pointer per side otherwise.
    struct owned_chunks {
        std::vector<af::bytes> holds;
        std::vector<iovec> iovs;
    };
    std::unique_ptr<owned_chunks> owned;
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    msghdr msg{};
    iovec iov{};
    std::optional<af::waker> waker;

    bool busy() const noexcept { return in_flight || retrying; }
    void reset() noexcept {  // `bid` is the source's to give back first
        kind = op_kind::none;
        done = false;
        res = 0;
        off = 0;
        caller = nullptr;
        if (owned) {
            owned->holds.clear();  // no longer in the kernel: the chunks may go (capacity kept)
            owned->iovs.clear();
        }
    }
    void reserve(std::size_t n) {
        if (cap >= n) return;
        buf = std::make_unique<char[]>(n);  // only while idle: the kernel holds no pointer into it
        cap = n;
    }
    void remember(context& cx) {
        if (!waker || !waker->will_wake(cx.waker())) waker.emplace(cx.waker());
    }
};

struct reap_out {
    std::optional<af::waker> wake;
    bool free = false;
};

class uring_source final : public io_source {
public:
    uring_source(int fd, bool socket, bool stream, uring_reactor& r) noexcept;
    ~uring_source() override;

    void* tail() noexcept override { return reinterpret_cast<char*>(this) + tail_offset<uring_source>(); }

    af::poll<long> poll_read(context& cx, void* buf, std::size_t len) override {
        if (!coop::poll_proceed(cx)) return af::pending;
        if (fault::injector* f = fault::active()) [[unlikely]] {
            if (auto r = inject(cx, *f, fault::site::read, len)) return *r;
        }
        return drive(cx, read_, [&](bool& submitted) -> std::optional<long> {
            if (read_.busy()) return std::nullopt;
            bool own = false;  // the pool ran dry for the last recv: this one brings its own buffer
            if (read_.done) {
                if (pool_ran_dry()) {
                    own = true;
                } else if (is_data(read_.kind)) {
                    return take_bytes(buf, len);
                } else {
                    drop_result(read_);
                }
            }
            if (len == 0) return 0L;
            if (pool_ != nullptr && !own) {
                read_.kind = op_kind::recv_select;  // no memory of ours until data arrives
                read_.len = std::min(len, buffer_pool::size);
            } else {
                std::size_t n = std::min(len, max_io);
                read_.reserve(n);
                read_.kind = socket_ ? op_kind::recv : op_kind::read;
                read_.len = n;
            }
            submit(read_, tag_read);
            submitted = true;
            return std::nullopt;
        });
    }

    af::poll<long> poll_write(context& cx, const void* buf, std::size_t len) override {
        iovec one{const_cast<void*>(buf), len};  // only read from
        return write_gathered(cx, &one, 1);
    }

    // Fault injection (tests only, design note 0027): what the schedule says for an operation
    // of `len` bytes. A value: the operation's result now (pending with a self-wake, or an
    // error); nullopt: go on with `len`, maybe shortened. EINTR needs no stand-in here: the
    // kernel's -EINTR completions are injected by submit() (cqe_retry).
    static std::optional<af::poll<long>> inject(context& cx, fault::injector& f, fault::site site, std::size_t& len) noexcept {
        fault::decision d = fault::decide(f, site, len);
        if (d.would_block) {
            cx.waker().wake_by_ref();
            return af::poll<long>(af::pending);
        }
        if (d.error != 0) return af::poll<long>(static_cast<long>(-d.error));
        len = d.len;
        return std::nullopt;
    }

    // Vectored writes are gathered into the same copy buffer as plain ones (up to its 64 KiB),
    // so the kernel sees one plain send and the write-once promise holds unchanged: the bytes
    // the caller names are the concatenation, whichever call names them (a plain write may
    // pick up a dropped vectored write and the other way round). Zero-copy from the caller's
    // memory would need that memory to outlive a dropped future (design note 0018).
    af::poll<long> poll_write_vectored(context& cx, const iovec* iov, int n) override {
        return write_gathered(cx, iov, std::max(n, 0));
    }

    // Writes from memory the operation owns: the source keeps a reference to each chunk it
    // submits (side::owned) until the result is reported, the result is dropped, or the source
    // is freed, so a dropped future cannot free the bytes under the kernel. No copy and no
    // 64 KiB limit; the write-once contract is the copy path's (take_written compares against
    // the held chunks, which cannot change: af::bytes is immutable).
    af::poll<long> poll_write_bytes(context& cx, const af::bytes* chunks, std::size_t cnt) override {
        if (!coop::poll_proceed(cx)) return af::pending;
        iovec iov[max_bytes_chunks];
        std::size_t index[max_bytes_chunks];
        int k = 0;
        std::size_t len = 0;
        for (std::size_t i = 0; i < cnt && k < max_bytes_chunks; ++i) {
            if (chunks[i].empty()) continue;
            iov[k] = {const_cast<std::byte*>(chunks[i].data()), chunks[i].size()};  // only read from
            index[k++] = i;
            len += chunks[i].size();
        }
        if (fault::injector* f = fault::active()) [[unlikely]] {
            std::size_t want = len;
            if (auto r = inject(cx, *f, fault::site::write, want)) return *r;
            if (want < len) {  // a prefix: whole chunks, then part of one
                int j = 0;
                for (std::size_t left = want; j < k && left > 0; ++j) {
                    iov[j].iov_len = std::min(iov[j].iov_len, left);
                    left -= iov[j].iov_len;
                }
                k = j;
                len = want;
            }
        }
        const void* first = k > 0 ? iov[0].iov_base : nullptr;
        op_kind kind = socket_ ? op_kind::send_bytes : op_kind::writev_bytes;
        return drive(cx, write_, [&](bool& submitted) -> std::optional<long> {
            if (write_.busy()) return std::nullopt;
            if (write_.done) {
                if (auto r = take_written(first, len, iov, k, len)) return r;
                write_.reset();
            }
            if (len == 0) return 0L;
            if (!write_.owned) write_.owned = std::make_unique<side::owned_chunks>();  // may throw: nothing submitted yet
            side::owned_chunks& o = *write_.owned;
            o.holds.reserve(static_cast<std::size_t>(k));
            o.iovs.reserve(static_cast<std::size_t>(k));
            for (int j = 0; j < k; ++j) o.holds.push_back(chunks[index[j]]);
            o.iovs.assign(iov, iov + k);
            write_.kind = kind;
            write_.len = len;
            write_.caller = first;
            write_.msg = {};
            write_.msg.msg_iov = o.iovs.data();
            write_.msg.msg_iovlen = static_cast<std::size_t>(k);
            submit(write_, tag_write);
            submitted = true;
            return std::nullopt;
        });
    }

    af::poll<long> poll_sendfile(context& cx, int in_fd, std::uint64_t offset, std::size_t count) override {
        if (!coop::poll_proceed(cx)) return af::pending;
        if (fault::injector* f = fault::active()) [[unlikely]] {
            if (auto r = inject(cx, *f, fault::site::write, count)) return *r;
        }
        return drive(cx, write_, [&](bool& submitted) -> std::optional<long> {
            if (write_.busy()) return std::nullopt;  // a dropped write (or our POLLOUT) first
            if (write_.done) {
                bool unreported = is_stream_write(write_.kind) &&
                                  (write_.res < 0 || write_.off < static_cast<std::size_t>(write_.res));
                long r = write_.res < 0 ? write_.res : -EIO;
                write_.reset();  // our POLLOUT, a reported write, a connect or a datagram: go on
                // A dropped write's bytes went out unreported: the file's would follow them,
                // so fail as another write would (see take_written); or its error, given once.
                if (unreported) return r;
            }
            for (;;) {
                off_t off = static_cast<off_t>(offset);
                long r = ::sendfile(fd(), in_fd, &off, count);
                if (r >= 0) return r;
                if (errno == EINTR) continue;
                if (errno != EAGAIN) return static_cast<long>(-errno);
                break;
            }
            // The socket is full: wait for room (sendfile itself has no io_uring operation).
            write_.kind = op_kind::poll_out;
            submit(write_, tag_write);
            submitted = true;
            return std::nullopt;
        });
    }

    af::poll<long> poll_recv_from(context& cx, void* buf, std::size_t len, sockaddr* from,
                                  socklen_t* from_len) override {
        if (!coop::poll_proceed(cx)) return af::pending;
        if (fault::injector* f = fault::active()) [[unlikely]] {
            if (auto r = inject(cx, *f, fault::site::datagram, len)) return *r;
        }
        return drive(cx, read_, [&](bool& submitted) -> std::optional<long> {
            if (read_.busy()) return std::nullopt;
            if (read_.done) {
                if (read_.kind == op_kind::recvmsg) {
                    long r = read_.res;
                    if (r >= 0) {
                        std::size_t got = std::min(static_cast<std::size_t>(r), len);
                        if (got > 0) std::memcpy(buf, read_.buf.get(), got);
                        copy_addr(from, from_len, read_.addr, read_.msg.msg_namelen);
                        r = static_cast<long>(got);  // a datagram's rest is discarded, as recvfrom does
                    }
                    read_.reset();
                    return r;
                }
                if (pool_ran_dry()) {
                    // nothing was read: receive below
                } else if (is_data(read_.kind)) {
                    if (from_len != nullptr) *from_len = 0;  // stream bytes: no address
                    return take_bytes(buf, len);
                } else {
                    drop_result(read_);
                }
            }
            // A datagram larger than `len` is truncated anyway: no need for a bigger buffer.
            std::size_t n = std::min(len, max_io);
            read_.reserve(n == 0 ? 1 : n);
            read_.kind = op_kind::recvmsg;
            read_.len = n;
            read_.iov = {read_.buf.get(), n};
            read_.msg = {};
            read_.msg.msg_name = &read_.addr;
            read_.msg.msg_namelen = sizeof read_.addr;
            read_.msg.msg_iov = &read_.iov;
            read_.msg.msg_iovlen = 1;
            submit(read_, tag_read);
            submitted = true;
            return std::nullopt;
        });
    }

    af::poll<long> poll_send_to(context& cx, const void* buf, std::size_t len, const sockaddr* to,
                                socklen_t to_len) override {
        if (!coop::poll_proceed(cx)) return af::pending;
        if (fault::injector* f = fault::active()) [[unlikely]] {
            if (auto r = inject(cx, *f, fault::site::datagram, len)) return *r;
        }
        std::size_t n = std::min(len, max_io);
        if (to_len > sizeof(sockaddr_storage)) return static_cast<long>(-EINVAL);
        return drive(cx, write_, [&](bool& submitted) -> std::optional<long> {
            if (write_.busy()) return std::nullopt;  // one datagram in the kernel at a time
            if (write_.done) {
                if (auto r = take_sent(buf, n, to, to_len)) return r;
                write_.reset();
            }
            write_.reserve(n == 0 ? 1 : n);
            if (n > 0) std::memcpy(write_.buf.get(), buf, n);
            std::memcpy(&write_.addr, to, to_len);
            write_.addr_len = to_len;
            write_.kind = op_kind::sendmsg;
            write_.len = n;
            write_.caller = buf;
            write_.iov = {write_.buf.get(), n};
            write_.msg = {};
            write_.msg.msg_name = &write_.addr;
            write_.msg.msg_namelen = to_len;
            write_.msg.msg_iov = &write_.iov;
            write_.msg.msg_iovlen = 1;
            submit(write_, tag_write);
            submitted = true;
            return std::nullopt;
        });
    }

    af::poll<long> poll_accept(context& cx, sockaddr* addr, socklen_t* addr_len) override {
        if (!coop::poll_proceed(cx)) return af::pending;
        if (fault::injector* f = fault::active()) [[unlikely]] {
            std::size_t none = 0;
            if (auto r = inject(cx, *f, fault::site::accept, none)) return *r;
        }
        return drive(cx, read_, [&](bool& submitted) -> std::optional<long> {
            if (read_.busy()) return std::nullopt;
            if (read_.done) {
                if (read_.kind == op_kind::accept) {
                    long r = read_.res;
                    if (r >= 0) copy_addr(addr, addr_len, read_.addr, read_.addr_len);
                    read_.reset();
                    return r;
                }
                drop_result(read_);
            }
            read_.kind = op_kind::accept;
            read_.addr_len = sizeof read_.addr;
            submit(read_, tag_read);
            submitted = true;
            return std::nullopt;
        });
    }

    af::poll<long> poll_connect(context& cx, const sockaddr* addr, socklen_t addr_len) override {
        // Budgeted: a loopback connect completes inside its submit, and a task connecting in
        // a loop must let the accepting task on its thread run (see the epoll backend).
        if (!coop::poll_proceed(cx)) return af::pending;
        if (addr_len > sizeof(sockaddr_storage)) return static_cast<long>(-EINVAL);
        return drive(cx, write_, [&](bool& submitted) -> std::optional<long> {
            if (connect_result_) return *connect_result_;
            if (write_.kind == op_kind::connect && write_.addr_len == addr_len &&
                std::memcmp(&write_.addr, addr, addr_len) == 0) {
                if (write_.busy()) return std::nullopt;
                if (write_.done) {
                    connect_result_ = write_.res;  // later calls (the contract allows them) see it too
                    write_.reset();
                    return *connect_result_;
                }
            }
            if (write_.busy()) return std::nullopt;
            if (fault::injector* f = fault::active()) [[unlikely]] {  // before the connect starts only
                std::size_t none = 0;
                if (auto r = inject(cx, *f, fault::site::connect, none)) {
                    if (r->is_pending()) return std::nullopt;  // woken already: polled again
                    return **r;
                }
            }
            write_.reset();
            std::memcpy(&write_.addr, addr, addr_len);
            write_.addr_len = addr_len;
            write_.kind = op_kind::connect;
            submit(write_, tag_write);
            submitted = true;
            return std::nullopt;
        });
    }

    af::poll<long> poll_readable(context& cx) override {
        return drive(cx, read_, [&](bool& submitted) -> std::optional<long> {
            if (read_.busy()) return std::nullopt;  // a read in flight: its completion means readable
            if (read_.done) {
                if (read_.kind == op_kind::poll_in) {
                    read_.reset();
                    return 0L;
                }
                return 0L;  // a completed read (data, end of file or error) waits for the next read
            }
            read_.kind = op_kind::poll_in;
            submit(read_, tag_read);
            submitted = true;
            return std::nullopt;
        });
    }

    void close() noexcept override;

    // --- the reactor's side (under m_) ---
    // Handles one completion; says whom to wake and whether the source is now to be freed.
    reap_out complete(std::uint64_t tag, int res, unsigned flags) noexcept;
    bool closing() const noexcept { return closing_; }
    void closed_fds() noexcept;

private:
    static bool is_data(op_kind k) noexcept {
        return k == op_kind::read || k == op_kind::recv || k == op_kind::recv_select || k == op_kind::recvmsg;
    }

    // A completed recv_select that found the pool empty (ENOBUFS): not data, not an error for
    // the caller; reset, and the caller's read brings its own buffer this once.
    bool pool_ran_dry() noexcept {
        if (read_.kind != op_kind::recv_select || read_.res != -ENOBUFS) return false;
        read_.reset();
        return true;
    }

    // Hands out bytes of a completed read (the rest stays for the next read).
    long take_bytes(void* buf, std::size_t len) noexcept {
        long r = read_.res;
        if (r <= 0) {
            release_read();  // end of file or an error: given once
            return r;
        }
        const char* from = read_.bid >= 0 ? pool_->data(static_cast<unsigned>(read_.bid)) : read_.buf.get();
        std::size_t avail = static_cast<std::size_t>(r) - read_.off;
        std::size_t n = std::min(avail, len);
        if (n > 0) std::memcpy(buf, from + read_.off, n);
        read_.off += n;
        if (read_.off == static_cast<std::size_t>(r)) release_read();
        return static_cast<long>(n);
    }

    // Ends a completed read: its pool buffer goes back to the pool, and with a pool, a buffer
    // of our own (taken when the pool ran dry) is freed, so an idle source keeps none.
    void release_read() noexcept {
        if (read_.bid >= 0) {
            pool_->give_back(static_cast<unsigned>(read_.bid));
            read_.bid = -1;
        } else if (pool_ != nullptr && read_.cap > 0) {
            read_.buf.reset();  // not busy: the kernel holds no pointer into it
            read_.cap = 0;
        }
        read_.reset();
    }

    // A completed result nobody of this kind will ask for (a poll before a read, say).
    void drop_result(side& s) noexcept {
        if (s.kind == op_kind::accept && s.res >= 0) ::close(s.res);
        if (&s == &read_) {
            release_read();
        } else {
            s.reset();
        }
    }

    // poll_write of the concatenation of iov[0..n), gathered into the write side's buffer.
    af::poll<long> write_gathered(context& cx, const iovec* iov, int cnt) {
        if (!coop::poll_proceed(cx)) return af::pending;
        std::size_t len = 0;
        const void* first = cnt > 0 ? iov[0].iov_base : nullptr;  // the caller, for a 0 result
        bool found = false;
        for (int i = 0; i < cnt; ++i) {
            len += iov[i].iov_len;
            if (!found && iov[i].iov_len > 0) {
                first = iov[i].iov_base;
                found = true;
            }
        }
        if (fault::injector* f = fault::active()) [[unlikely]] {
            // A shortened write is a write of a prefix: as if the caller had asked for less.
            if (auto r = inject(cx, *f, fault::site::write, len)) return *r;
        }
        std::size_t n = std::min(len, max_io);
        op_kind k = socket_ ? op_kind::send : op_kind::write;
        return drive(cx, write_, [&](bool& submitted) -> std::optional<long> {
            // In the kernel (this write's, or one whose future was dropped): its result first.
            if (write_.busy()) return std::nullopt;
            if (write_.done) {
                if (auto r = take_written(first, n, iov, cnt, len)) return r;
                write_.reset();
            }
            write_.reserve(n);
            gather(write_.buf.get(), n, iov, cnt);
            write_.kind = k;
            write_.len = n;
            write_.caller = first;
            write_.iov = {write_.buf.get(), n};  // what went out, for take_written
            submit(write_, tag_write);
            submitted = true;
            return std::nullopt;
        });
    }

    // Copies the first `n` bytes of the concatenation of iov[0..cnt) to `out`.
    static void gather(char* out, std::size_t n, const iovec* iov, int cnt) noexcept {
        for (int i = 0; i < cnt && n > 0; ++i) {
            std::size_t k = std::min(n, iov[i].iov_len);
            if (k == 0) continue;
            std::memcpy(out, iov[i].iov_base, k);
            out += k;
            n -= k;
        }
    }

    // Whether bytes [skip, skip + n) of the concatenation of a[0..na) equal the first n bytes
    // of the concatenation of b[0..nb) (both long enough). The same memory compares equal
    // without a look (a bytes chunk written again).
    static bool same_bytes(const iovec* a, int na, std::size_t skip, const iovec* b, int nb, std::size_t n) noexcept {
        int i = 0;
        while (i < na && skip >= a[i].iov_len) skip -= a[i++].iov_len;
        std::size_t ao = skip;
        std::size_t bo = 0;
        int j = 0;
        while (n > 0) {
            while (i < na && ao == a[i].iov_len) ++i, ao = 0;
            while (j < nb && bo == b[j].iov_len) ++j, bo = 0;
            if (i == na || j == nb) return false;
            std::size_t k = std::min({n, a[i].iov_len - ao, b[j].iov_len - bo});
            const char* pa = static_cast<const char*>(a[i].iov_base) + ao;
            const char* pb = static_cast<const char*>(b[j].iov_base) + bo;
            if (pa != pb && std::memcmp(pa, pb, k) != 0) return false;
            ao += k;
            bo += k;
            n -= k;
        }
        return true;
    }

    // The bytes the finished stream write sent from: the copy buffer, or the bytes chunks.
    const iovec* sent_iov(int& n) const noexcept {
        if (write_.kind == op_kind::send_bytes || write_.kind == op_kind::writev_bytes) {
            n = static_cast<int>(write_.owned->iovs.size());
            return write_.owned->iovs.data();
        }
        n = 1;
        return &write_.iov;
    }

    // A completed stream write (write, send, or from bytes chunks) meets the next poll_write
    // of any of those kinds, which may name another pointer and length than the poll that
    // submitted it (a buffer that grew or moved, or a write whose future was dropped). Its
    // `res - off` bytes not yet reported are the caller's next bytes whenever the caller's
    // buffer starts with them: report as many as the caller asks for (the rest waits for the
    // next poll, still before anything new is submitted). `would_send`: how many bytes this
    // call would submit (a 0 result goes to the same caller and length only).
    // nullopt: nothing to report (the caller must submit its bytes; the result is dropped).
    std::optional<long> take_written(const void* buf, std::size_t would_send, const iovec* iov, int cnt, std::size_t len) noexcept {
        if (!is_stream_write(write_.kind)) return std::nullopt;
        long r = write_.res;
        if (r < 0) {
            write_.reset();  // an error: given once, to the next write whatever its bytes
            return r;
        }
        if (r == 0) {
            // Nothing accepted: the writer of these very arguments hears it, anyone else writes.
            bool same = write_.caller == buf && write_.len == would_send;
            write_.reset();
            return same ? std::optional<long>(0) : std::nullopt;
        }
        std::size_t avail = static_cast<std::size_t>(r) - write_.off;
        std::size_t give = std::min(avail, len);
        int nsent = 0;
        const iovec* sent = sent_iov(nsent);
        if (!same_bytes(sent, nsent, write_.off, iov, cnt, give)) {
            // Not the bytes that went out: their writer dropped the write, and the peer has them
            // all the same. Sending other bytes after them would corrupt the stream silently, so
            // this write fails instead (once; the stream's state is the caller's to judge).
            write_.reset();
            return -EIO;
        }
        write_.off += give;
        if (write_.off == static_cast<std::size_t>(r)) write_.reset();
        return static_cast<long>(give);
    }

    // A completed datagram (sendmsg) meets the next poll_send_to: its result if that poll sends
    // the same datagram (bytes and address; the buffer may be another copy), so it is never
    // sent twice. A different datagram means the old one's future was dropped: its result is
    // dropped too (datagrams are independent, and so are their errors).
    std::optional<long> take_sent(const void* buf, std::size_t n, const sockaddr* to, socklen_t to_len) noexcept {
        if (write_.kind != op_kind::sendmsg) return std::nullopt;
        bool same = write_.len == n && (n == 0 || std::memcmp(write_.buf.get(), buf, n) == 0) &&
                    write_.addr_len == to_len && std::memcmp(&write_.addr, to, to_len) == 0;
        if (!same) return std::nullopt;
        long r = write_.res;
        write_.reset();
        return r;
    }

    static void copy_addr(sockaddr* out, socklen_t* out_len, const sockaddr_storage& a, socklen_t a_len) noexcept {
        if (out == nullptr || out_len == nullptr) return;
        std::size_t n = std::min<std::size_t>(*out_len, a_len);
        std::memcpy(out, &a, n);
        *out_len = a_len;
    }

    template <class Step>
    af::poll<long> drive(context& cx, side& s, Step step);

    void submit(side& s, std::uint64_t tag) noexcept;
    void submit_retry_poll(side& s, std::uint64_t tag) noexcept;
    void prep(io_uring_sqe* sqe, side& s) noexcept;

    friend class uring_reactor;

    uring_reactor& reactor_;
    buffer_pool* pool_ = nullptr;  // the reactor's, for stream sockets when it has one
    std::mutex m_;
    side read_;
    side write_;
    std::optional<long> connect_result_;
    int inflight_ = 0;  // completions still due (ops and retry polls; cancels are not counted)
    bool closing_ = false;
    bool socket_;
};

// Frees a source and its tail (whatever the caller kept in the tail is destroyed already).
void destroy(uring_source* s) noexcept {
    s->~uring_source();
    ::operator delete(s);
}

class uring_reactor final : public reactor {
public:
    uring_reactor() {
        io_uring_params p{};
        int r = io_uring_queue_init_params(ring_entries, &ring_, &p);
        if (r < 0) {
            std::string why = "af: io_uring_queue_init failed";
            if (r == -EPERM) why += " (io_uring disabled by kernel.io_uring_disabled or a seccomp policy)";
            if (r == -ENOSYS) why += " (kernel without io_uring)";
            throw std::system_error(-r, std::generic_category(), why);
        }
        if (!(p.features & IORING_FEAT_EXT_ARG)) {
            // Waiting with a timeout without an SQE (and so without the SQ lock) needs it (5.11).
            io_uring_queue_exit(&ring_);
            throw std::system_error(ENOSYS, std::generic_category(), "af: io_uring lacks IORING_FEAT_EXT_ARG (kernel older than 5.11)");
        }
        wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wake_fd_ < 0) {
            int e = errno;
            io_uring_queue_exit(&ring_);
            throw std::system_error(e, std::generic_category(), "eventfd");
        }
        pool_ = buffer_pool::make(ring_);
        std::lock_guard lk(ring_m_);
        arm_wake();
    }

    ~uring_reactor() override {
        // Every open source held a reference, so only closed ones remain, waiting for the
        // completions of their cancelled operations: collect them all at once.
        drain_closed();
        io_uring_queue_exit(&ring_);  // before pool_ unmaps: the kernel lets go of the buffers
        ::close(wake_fd_);
    }

    buffer_pool* pool() noexcept { return pool_.get(); }
    bool provided_buffers() const noexcept override { return pool_ != nullptr; }
    std::size_t provided_buffers_held() const noexcept override { return pool_ != nullptr ? pool_->held() : 0; }

    io_source* open(int fd, std::size_t tail) override {
        struct stat st {};
        bool sock = ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
        int type = 0;
        socklen_t type_len = sizeof type;
        // Stream sockets read through the pool: a datagram must not be cut at its buffer size.
        bool stream = sock && pool_ != nullptr && ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) == 0 &&
                      type == SOCK_STREAM;
        if (fault::injector* f = fault::active()) [[unlikely]] {
            if (fault::fail_open(*f)) {
                ::close(fd);
                throw std::bad_alloc();
            }
        }
        uring_source* s = nullptr;
        try {
            // One block: the source, then the caller's tail.
            s = new (::operator new(io_source::tail_offset<uring_source>() + tail)) uring_source(fd, sock, stream, *this);
        } catch (...) {
            ::close(fd);  // the source owns the descriptor even when opening fails
            throw;
        }
        // Relaxed: a counter for metrics.
        sources_.fetch_add(1, std::memory_order_relaxed);
        return s;
    }

    io_backend_kind kind() const noexcept override { return io_backend_kind::io_uring; }

    bool park(int timeout_ms) override {
        std::unique_lock lk(park_m_, std::defer_lock);
        if (timeout_ms == 0) {
            if (!lk.try_lock()) return false;  // another thread is parked here: it dispatches
        } else {
            lk.lock();
        }
        tl_parking = this;
        parking_.store(true);
        struct unmark {
            uring_reactor* r;
            ~unmark() {
                r->parking_.store(false);
                tl_parking = nullptr;
            }
        } unmark_on_return{this};
        flush();
        bool any = false;
        bool woke = reap(&any);
        // The flag, not the eventfd's CQE, says an unpark came: a poller's reap may consume
        // that CQE between our reap and our wait (see the re-signal in reap).
        if (notified_.exchange(false) || any || timeout_ms == 0) return woke;
        // Wait for one completion without consuming it: pollers may reap meanwhile (cq_m_).
        __kernel_timespec ts{};
        io_uring_getevents_arg arg{};
        if (timeout_ms > 0) {
            ts.tv_sec = timeout_ms / 1000;
            ts.tv_nsec = static_cast<long long>(timeout_ms % 1000) * 1000000;
            arg.ts = reinterpret_cast<std::uint64_t>(&ts);
        }
        ::io_uring_enter2(static_cast<unsigned>(ring_.ring_fd), 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                          reinterpret_cast<sigset_t*>(&arg), sizeof arg);
        notified_.store(false);  // whatever woke us, this park is over: an unpark after this ends the next
        return reap() || woke;
    }

    void unpark() noexcept override {
        notified_.store(true);
        std::uint64_t one = 1;
        [[maybe_unused]] ssize_t r = ::write(wake_fd_, &one, sizeof one);
    }

    std::size_t sources() const noexcept override { return sources_.load(std::memory_order_relaxed); }

    // --- for sources ---
    // Takes an SQE, lets `fill` prepare it, submits. Never fails: a full SQ is flushed first.
    template <class Fill>
    void submit(Fill fill) noexcept {
        std::lock_guard lk(ring_m_);
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        while (sqe == nullptr) {
            io_uring_submit(&ring_);
            sqe = io_uring_get_sqe(&ring_);
        }
        fill(sqe);
        // EBUSY/EAGAIN leave the SQE queued: the next submit or park flushes it.
        io_uring_submit(&ring_);
    }

    // Reaps what has completed if no other thread is doing so; true if it could look.
    bool try_reap() noexcept {
        if (tl_reaping == this) return false;
        std::unique_lock lk(cq_m_, std::try_to_lock);
        if (!lk.owns_lock()) return false;
        lk.unlock();
        reap();
        return true;
    }

    // The reactor's last reference is gone: sources closed with operations in the kernel (their
    // cancellations submitted by close()) are freed here, by one drain of the ring, not one wait
    // per source. Their completions may be slow: a request whose submitting thread has exited
    // (a multi_thread worker, joined at shutdown) completes through the kernel's fallback work,
    // a tick later (~10 ms), which made a close that waited for its own completion cost that
    // much per socket (issue 17: 3,000 pending reads took 24.7 s). Bounded: a source whose
    // completion never comes is leaked rather than freed under the kernel.
    void drain_closed() noexcept {
        using clock = std::chrono::steady_clock;
        auto start = clock::now();
        bool cancelled_all = false;
        // Acquire: pairs with the release in source_freed.
        while (closing_.load(std::memory_order_acquire) > 0) {
            flush();
            bool any = false;
            reap(&any);
            if (any) continue;
            auto waited = clock::now() - start;
            if (waited > std::chrono::seconds(2)) break;
            if (!cancelled_all && waited > std::chrono::milliseconds(100)) {
                // A cancellation that found its operation starting (-EALREADY) or a kernel slow to
                // honour it: one request that cancels everything left (5.19+; older kernels
                // answer -EINVAL and the per-operation cancellations stand).
                cancelled_all = true;
                submit([](io_uring_sqe* sqe) {
                    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
                    io_uring_sqe_set_data64(sqe, ud_ignore);
                });
            }
            __kernel_timespec ts{0, 20 * 1000 * 1000};
            io_uring_getevents_arg arg{};
            arg.ts = reinterpret_cast<std::uint64_t>(&ts);
            ::io_uring_enter2(static_cast<unsigned>(ring_.ring_fd), 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                              reinterpret_cast<sigset_t*>(&arg), sizeof arg);
        }
    }

    void closing_started() noexcept { closing_.fetch_add(1, std::memory_order_relaxed); }  // Relaxed: see drain
    void source_freed(bool was_closing) noexcept {
        sources_.fetch_sub(1, std::memory_order_relaxed);  // Relaxed: metrics
        if (was_closing) closing_.fetch_sub(1, std::memory_order_release);  // Release: the free happened
    }

private:
    void arm_wake() noexcept {  // under ring_m_
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        while (sqe == nullptr) {
            io_uring_submit(&ring_);
            sqe = io_uring_get_sqe(&ring_);
        }
        if (multishot_) {
            io_uring_prep_poll_multishot(sqe, wake_fd_, POLLIN);  // readable at once: one CQE, then per write
        } else {
            // One-shot (kernels before 5.13): drain, or an always-readable eventfd spins.
            std::uint64_t v;
            while (::read(wake_fd_, &v, sizeof v) > 0) {
            }
            io_uring_prep_poll_add(sqe, wake_fd_, POLLIN);
        }
        io_uring_sqe_set_data64(sqe, ud_wake);
        io_uring_submit(&ring_);
    }

    void flush() noexcept {
        std::lock_guard lk(ring_m_);
        if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
    }

    // Handles every completion available now, in batches: state changes under cq_m_ and the
    // source's lock, wakes and frees after both are released. True when it woke a task;
    // `*any` says whether there was any completion at all (an unpark's, say).
    bool reap(bool* any = nullptr) noexcept {
        bool woke = false;
        for (;;) {
            constexpr unsigned batch = 64;
            reap_out outs[batch];
            uring_source* frees[batch];
            unsigned nfree = 0;
            unsigned n = 0;
            {
                std::lock_guard lk(cq_m_);
                tl_reaping = this;
                io_uring_cqe* cqes[batch];
                n = io_uring_peek_batch_cqe(&ring_, cqes, batch);
                if (n > 0 && any != nullptr) *any = true;
                if (n > 0) {
                    // Every op we just saw was submitted under ring_m_ by a thread that has
                    // released it since (or is about to): taking it orders their writes
                    // before ours the way the kernel already did, in terms TSan can see.
                    std::lock_guard order(ring_m_);
                }
                bool rearm = false;
                bool resignal = false;
                for (unsigned i = 0; i < n; ++i) {
                    std::uint64_t ud = io_uring_cqe_get_data64(cqes[i]);
                    int res = cqes[i]->res;
                    unsigned flags = cqes[i]->flags;
                    if (ud == ud_ignore) continue;
                    if (ud == ud_wake) {
                        // The eventfd is not drained here: the multishot poll posts its CQE
                        // from task work that checks readiness first, so a drain racing with
                        // an unpark (from a poller's reap, not the parked thread) would swallow
                        // that unpark's CQE. The counter only grows (2^64 unparks to overflow).
                        // Consumed by a poller while a thread parks and its unpark is not yet
                        // taken: the parker may be about to wait for a CQE that already came
                        // and went. Signal again; it costs at most one spurious return.
                        if (tl_parking != this && parking_.load() && notified_.load()) resignal = true;
                        if (!(flags & IORING_CQE_F_MORE)) {
                            if (res == -EINVAL) multishot_ = false;
                            rearm = true;
                        }
                        continue;
                    }
                    auto* s = reinterpret_cast<uring_source*>(ud & ~tag_mask);
                    {
                        std::lock_guard sl(s->m_);
                        outs[i] = s->complete(ud & tag_mask, res, flags);
                    }
                    if (outs[i].free) frees[nfree++] = s;
                }
                io_uring_cq_advance(&ring_, n);
                if (rearm) {
                    std::lock_guard rl(ring_m_);
                    arm_wake();
                }
                tl_reaping = nullptr;
                if (resignal) {
                    std::uint64_t one = 1;
                    [[maybe_unused]] ssize_t w = ::write(wake_fd_, &one, sizeof one);
                }
            }
            for (unsigned i = 0; i < n; ++i) {
                if (outs[i].wake) {
                    std::move(*outs[i].wake).wake();
                    woke = true;
                }
            }
            for (unsigned i = 0; i < nfree; ++i) frees[i]->closed_fds(), destroy(frees[i]);
            if (n < batch) return woke;
        }
    }

    io_uring ring_{};
    std::unique_ptr<buffer_pool> pool_;  // reads' provided buffers; null without kernel support
    int wake_fd_ = -1;
    bool multishot_ = true;  // under cq_m_ (arm_wake runs from reap, or in the constructor)
    std::mutex ring_m_;      // SQ
    std::mutex cq_m_;        // CQ head
    std::mutex park_m_;      // one waiter
    std::atomic<std::size_t> sources_{0};
    std::atomic<std::size_t> closing_{0};
    std::atomic<bool> notified_{false};  // an unpark not yet taken by a park
    std::atomic<bool> parking_{false};   // a thread is inside park()
};

uring_source::uring_source(int fd, bool socket, bool stream, uring_reactor& r) noexcept
    : io_source(fd), reactor_(r), pool_(stream ? r.pool() : nullptr), socket_(socket) {
    reactor_.retain();
}

// The reactor reference is given back by close(), not here: a closed source waiting for its
// completions must not keep the reactor alive (see drain_closed).
uring_source::~uring_source() = default;

void uring_source::prep(io_uring_sqe* sqe, side& s) noexcept {
    switch (s.kind) {
    case op_kind::read: io_uring_prep_read(sqe, fd(), s.buf.get(), static_cast<unsigned>(s.len), static_cast<__u64>(-1)); break;
    case op_kind::recv: io_uring_prep_recv(sqe, fd(), s.buf.get(), s.len, 0); break;
    case op_kind::recv_select:
        io_uring_prep_recv(sqe, fd(), nullptr, s.len, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = buffer_pool::group;
        break;
    case op_kind::recvmsg:
        s.msg.msg_namelen = sizeof s.addr;  // the kernel wrote the last sender's length here
        io_uring_prep_recvmsg(sqe, fd(), &s.msg, 0);
        break;
    case op_kind::accept:
        s.addr_len = sizeof s.addr;
        io_uring_prep_accept(sqe, fd(), reinterpret_cast<sockaddr*>(&s.addr), &s.addr_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        break;
    case op_kind::poll_in: io_uring_prep_poll_add(sqe, fd(), POLLIN); break;
    case op_kind::poll_out: io_uring_prep_poll_add(sqe, fd(), POLLOUT); break;
    case op_kind::write: io_uring_prep_write(sqe, fd(), s.buf.get(), static_cast<unsigned>(s.len), static_cast<__u64>(-1)); break;
    case op_kind::send: io_uring_prep_send(sqe, fd(), s.buf.get(), s.len, MSG_NOSIGNAL); break;
    case op_kind::send_bytes:
        // MSG_DONTWAIT, as for sendmsg below: EAGAIN comes back to us and a retry starts from
        // `msg` afresh, never from an iterator a first attempt consumed.
        io_uring_prep_sendmsg(sqe, fd(), &s.msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        break;
    case op_kind::writev_bytes:
        io_uring_prep_writev(sqe, fd(), s.owned->iovs.data(), static_cast<unsigned>(s.owned->iovs.size()), static_cast<__u64>(-1));
        break;
    case op_kind::sendmsg:
        // MSG_DONTWAIT: EAGAIN comes back to us (retry poll, then a fresh submit from `msg`).
        // The kernel's own retry after EAGAIN (6.18, AF_UNIX datagrams to a full receiver)
        // reuses an iterator the first attempt consumed and sends an empty datagram.
        io_uring_prep_sendmsg(sqe, fd(), &s.msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        break;
    case op_kind::connect: io_uring_prep_connect(sqe, fd(), reinterpret_cast<sockaddr*>(&s.addr), s.addr_len); break;
    case op_kind::none: io_uring_prep_nop(sqe); break;
    }
}

void uring_source::submit(side& s, std::uint64_t tag) noexcept {  // under m_
    s.in_flight = true;
    ++inflight_;
    std::uint64_t ud = reinterpret_cast<std::uint64_t>(this) | tag;
    if (fault::injector* f = fault::active()) [[unlikely]] {
        // A completion that says the op did not run (-ECANCELED, -EINTR, -EAGAIN): a NOP stands
        // in for it, and complete() reports `fault_res` as the op's result.
        bool poll = s.kind == op_kind::poll_in || s.kind == op_kind::poll_out;  // their -EAGAIN is a result
        if (int e = fault::cqe_error(*f, !poll); e != 0) {
            s.fault_res = e;
            reactor_.submit([&](io_uring_sqe* sqe) {
                io_uring_prep_nop(sqe);
                io_uring_sqe_set_data64(sqe, ud | tag_fault);
            });
            return;
        }
    }
    reactor_.submit([&](io_uring_sqe* sqe) {
        prep(sqe, s);
        io_uring_sqe_set_data64(sqe, ud);
    });
}

void uring_source::submit_retry_poll(side& s, std::uint64_t tag) noexcept {  // under m_
    s.retrying = true;
    ++inflight_;
    std::uint64_t ud = reinterpret_cast<std::uint64_t>(this) | tag | tag_retry_poll;
    unsigned events = (tag == tag_read) ? POLLIN : POLLOUT;
    reactor_.submit([&](io_uring_sqe* sqe) {
        io_uring_prep_poll_add(sqe, fd(), events);
        io_uring_sqe_set_data64(sqe, ud);
    });
}

reap_out uring_source::complete(std::uint64_t tag, int res, unsigned flags) noexcept {
    reap_out out;
    std::uint64_t dir = tag & tag_write;
    side& s = dir == tag_write ? write_ : read_;
    --inflight_;
    if (tag & tag_fault) {  // a stand-in NOP (fault injection): the op did not run
        res = s.fault_res;
        flags = 0;
    }
    // A recv_select that got data (or, on some kernels, end of stream) holds a pool buffer now.
    int bid = (flags & IORING_CQE_F_BUFFER) != 0 ? static_cast<int>(flags >> IORING_CQE_BUFFER_SHIFT) : -1;
    if (bid >= 0) pool_->taken();
    if (tag & tag_retry_poll) {
        s.retrying = false;
        if (!closing_) submit(s, dir);  // ready (or in error): the op itself reports which
    } else {
        s.in_flight = false;
        if (bid >= 0 && (closing_ || res < 0)) {
            pool_->give_back(static_cast<unsigned>(bid));  // nobody will read it
            bid = -1;
        }
        if (closing_) {
            if (s.kind == op_kind::accept && res >= 0) ::close(res);  // accepted after all: nobody takes it
        } else if (res == -EAGAIN && s.kind != op_kind::poll_in && s.kind != op_kind::poll_out) {
            // Older kernels honour O_NONBLOCK: wait for readiness, then issue the op again.
            submit_retry_poll(s, dir);
        } else if (res == -ECANCELED || res == -EINTR) {
            // Not our cancel (we are not closing): the submitting thread exited, say. Again.
            submit(s, dir);
        } else {
            s.done = true;
            s.res = res;
            s.off = 0;
            s.bid = bid;
            if (s.waker) {
                out.wake.emplace(std::move(*s.waker));
                s.waker.reset();
            }
        }
    }
    out.free = closing_ && inflight_ == 0;
    return out;
}

void uring_source::closed_fds() noexcept {
    if (read_.done) drop_result(read_);
    ::close(fd());
    reactor_.source_freed(true);
}

void uring_source::close() noexcept {
    uring_reactor& r = reactor_;
    r.retain();  // freeing this source may drop the reactor's last reference midway
    bool free_now;
    {
        std::lock_guard lk(m_);
        closing_ = true;
        r.closing_started();
        std::uint64_t base = reinterpret_cast<std::uint64_t>(this);
        for (std::uint64_t dir : {tag_read, tag_write}) {
            side& s = dir == tag_write ? write_ : read_;
            std::uint64_t targets[2];
            int nt = 0;
            if (s.in_flight) targets[nt++] = base | dir;
            if (s.retrying) targets[nt++] = base | dir | tag_retry_poll;
            for (int i = 0; i < nt; ++i) {
                std::uint64_t ud = targets[i];
                r.submit([&](io_uring_sqe* sqe) {
                    io_uring_prep_cancel64(sqe, ud, 0);
                    io_uring_sqe_set_data64(sqe, ud_ignore);
                });
            }
        }
        free_now = inflight_ == 0;
    }
    if (free_now) {
        closed_fds();
        destroy(this);
    } else {
        // The cancellations usually complete inside their submit: reap them now if we can.
        // Otherwise a parked thread, a later reap, or the reactor's destructor (once the last
        // reference is gone) frees the source; nothing here waits for the kernel, so a runtime
        // dropping thousands of sockets cancels them all before it waits once.
        r.try_reap();
    }
    r.release();  // the source's reference
    r.release();  // ours: may destroy the reactor, which drains what is still closing
}

template <class Step>
af::poll<long> uring_source::drive(context& cx, side& s, Step step) {
    std::unique_lock lk(m_);
    bool submitted = false;
    if (std::optional<long> r = step(submitted)) return *r;
    if (submitted) {
        // The op may have completed inside its submit: reap it rather than wait for a wake.
        // Look again even when another thread holds the CQ: it may have completed our op
        // while our lock was released, before our waker was stored.
        lk.unlock();
        reactor_.try_reap();
        lk.lock();
        bool again = false;
        if (std::optional<long> r = step(again)) return *r;
    }
    s.remember(cx);
    return af::pending;
}

}  // namespace

reactor* make_uring_reactor() { return new uring_reactor(); }

}  // namespace af::rt::detail

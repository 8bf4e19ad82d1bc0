// SPDX-License-Identifier: MIT
// The epoll backend: edge-triggered readiness.
//
// Each source is registered once for EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET. Its readiness
// word holds the read/write bits and, above them, a count of events seen. An operation tries
// its system call while the bit says ready; on EAGAIN it clears the bit, but only if no event
// arrived since it looked (the count is unchanged), so an event that lands between the system
// call and the clear is never lost. A new source starts as ready both ways: the first call
// tries the system call instead of waiting for an event that epoll sends anyway.
//
// Freeing: an event read by epoll_wait carries a raw pointer to its source. A source closed on
// another thread is deregistered at once but freed only by the next park, which runs after the
// previous park finished dispatching (parks are serialised by `park_m_`), so a dispatch never
// touches freed memory.
//
// Size: a source is 64 bytes (one per socket, pipe, signal or pidfd descriptor, plus the
// caller's tail in the same block). Each direction keeps af::atomic_waker's protocol, but with
// a one-byte state that fits in the base class's padding and a waker that is a no-op when empty
// instead of a std::optional (32 bytes per direction down to 16).
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <limits.h>  // IOV_MAX
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <new>
#include <system_error>
#include <utility>

#include "af/core/coop.hpp"
#include "af/core/waker.hpp"
#include "af/detail/sync.hpp"  // the waker slots' state bytes
#include "af/rt/detail/reactor.hpp"
#include "fault_injection.hpp"

namespace af::rt::detail {
namespace {

constexpr std::uint64_t readable = 1;
constexpr std::uint64_t writable = 2;
constexpr std::uint64_t closed_bits = 4;  // read side hung up or error: reads will not block
constexpr std::uint64_t count_unit = 8;   // the event count lives above the bits

class epoll_reactor;

// One direction's waker, af::atomic_waker's state machine split in two: the state byte and the
// slot live apart so that the state packs into padding. The slot holds a no-op waker when empty.
constexpr std::uint8_t slot_waiting = 0;
constexpr std::uint8_t slot_registering = 1;
constexpr std::uint8_t slot_waking = 2;

void register_in(af::detail::sync::atomic<std::uint8_t>& state, waker& slot, const waker& w) {
    std::uint8_t expected = slot_waiting;
    // Acquire: see the slot as the last waker-taker left it.
    if (state.compare_exchange_strong(expected, slot_registering, std::memory_order_acquire)) {
        if (!slot.will_wake(w)) slot = w;
        expected = slot_registering;
        // AcqRel: publish the slot to a later wake; see a wake that raced us.
        if (!state.compare_exchange_strong(expected, slot_waiting, std::memory_order_acq_rel)) {
            // A wake arrived while we registered (state is registering|waking): wake now.
            waker w2 = std::move(slot);
            // AcqRel swap, not a store: it acquires a second wake's fetch_or that landed after
            // the failed CAS, whose waker woke nobody, and releases the emptied slot to the next
            // registration. The argument is next to the same swap in af/core/atomic_waker.hpp.
            state.exchange(slot_waiting, std::memory_order_acq_rel);
            std::move(w2).wake();
        }
        return;
    }
    // A wake in progress: the task must be polled again. (Another registration in progress
    // would be a misuse: one registrant per direction.)
    if (expected == slot_waking) w.wake_by_ref();
}

void wake_in(af::detail::sync::atomic<std::uint8_t>& state, waker& slot) {
    // AcqRel: acquire the slot written by register_in.
    if (state.fetch_or(slot_waking, std::memory_order_acq_rel) == slot_waiting) {
        waker w = std::move(slot);
        // Release: the emptied slot is seen by the next registration's acquire.
        state.fetch_and(static_cast<std::uint8_t>(~slot_waking), std::memory_order_release);
        std::move(w).wake();
    }
}

class epoll_source final : public io_source {
public:
    epoll_source(int fd, epoll_reactor& r, bool stream) noexcept : io_source(fd), stream_(stream), reactor_(&r) {}
    ~epoll_source() override = default;
    friend class epoll_reactor;

    void* tail() noexcept override { return reinterpret_cast<char*>(this) + tail_offset<epoll_source>(); }

    void on_event(std::uint32_t ev) noexcept {
        std::uint64_t bits = 0;
        if (ev & (EPOLLIN | EPOLLPRI)) bits |= readable;
        if (ev & EPOLLOUT) bits |= writable;
        if (ev & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) bits |= readable | closed_bits;
        if (ev & (EPOLLHUP | EPOLLERR)) bits |= writable;
        // AcqRel: release publishes the event to the operation that sees the bit; the count
        // makes any concurrent clear fail.
        std::uint64_t cur = readiness_.load(std::memory_order_relaxed);
        while (!readiness_.compare_exchange_weak(cur, (cur + count_unit) | bits, std::memory_order_acq_rel,
                                                 std::memory_order_relaxed)) {
        }
        if (bits & readable) wake_in(read_state_, read_waker_);
        if (bits & writable) wake_in(write_state_, write_waker_);
    }

    // Every operation takes its length through `faulty` (tests only, design note 0027): with no
    // fault plan installed it is the caller's length and one never-taken branch.
    af::poll<long> poll_read(context& cx, void* buf, std::size_t len) override {
        // On a byte stream a read that returns less than asked for emptied the kernel buffer:
        // wait for the next edge instead of paying a read that fails with EAGAIN. Not for
        // datagrams (a small datagram says nothing about the next one).
        return faulty(cx, fault::site::read, len, readable, read_state_, read_waker_,
                      [&](std::size_t n) { return ::read(fd(), buf, n); }, stream_);
    }
    af::poll<long> poll_write(context& cx, const void* buf, std::size_t len) override {
        return faulty(cx, fault::site::write, len, writable, write_state_, write_waker_, [&](std::size_t k) {
            long n = ::send(fd(), buf, k, MSG_NOSIGNAL);
            if (n < 0 && errno == ENOTSOCK) n = ::write(fd(), buf, k);  // pipes, files
            return n;
        });
    }
    af::poll<long> poll_write_vectored(context& cx, const iovec* iov, int n) override {
        int cnt = std::clamp(n, 0, IOV_MAX);  // more would be EINVAL: a short write instead
        std::size_t total = 0;  // only needed to shorten a write (faults); 0 keeps `k < total` false
        if (fault::active() != nullptr) [[unlikely]] {
            for (int i = 0; i < cnt; ++i) total += iov[i].iov_len;
        }
        return faulty(cx, fault::site::write, total, writable, write_state_, write_waker_, [&](std::size_t k) {
            // A shortened write (faults only) sends the first k bytes: whole slices, then part of one.
            int c = cnt;
            const iovec* v = iov;
            iovec cut[64];
            if (k < total) {
                c = 0;
                for (std::size_t left = k; left > 0 && c < 64; ++c) {
                    cut[c] = iov[c];
                    cut[c].iov_len = std::min(cut[c].iov_len, left);
                    left -= cut[c].iov_len;
                }
                v = cut;
            }
            msghdr m{};
            m.msg_iov = const_cast<iovec*>(v);  // sendmsg does not write through it
            m.msg_iovlen = static_cast<std::size_t>(c);
            long r = ::sendmsg(fd(), &m, MSG_NOSIGNAL);
            if (r < 0 && errno == ENOTSOCK) r = ::writev(fd(), v, c);  // pipes, files
            return r;
        });
    }
    af::poll<long> poll_sendfile(context& cx, int in_fd, std::uint64_t offset, std::size_t count) override {
        return faulty(cx, fault::site::write, count, writable, write_state_, write_waker_, [&](std::size_t k) {
            off_t off = static_cast<off_t>(offset);
            return static_cast<long>(::sendfile(fd(), in_fd, &off, k));
        });
    }
    af::poll<long> poll_recv_from(context& cx, void* buf, std::size_t len, sockaddr* from,
                                  socklen_t* from_len) override {
        return faulty(cx, fault::site::datagram, len, readable, read_state_, read_waker_,
                      [&](std::size_t n) { return ::recvfrom(fd(), buf, n, 0, from, from_len); });
    }
    af::poll<long> poll_send_to(context& cx, const void* buf, std::size_t len, const sockaddr* to,
                                socklen_t to_len) override {
        return faulty(cx, fault::site::datagram, len, writable, write_state_, write_waker_,
                      [&](std::size_t n) { return ::sendto(fd(), buf, n, MSG_NOSIGNAL, to, to_len); });
    }
    af::poll<long> poll_accept(context& cx, sockaddr* addr, socklen_t* addr_len) override {
        return faulty(cx, fault::site::accept, 0, readable, read_state_, read_waker_, [&](std::size_t) {
            return static_cast<long>(::accept4(fd(), addr, addr_len, SOCK_NONBLOCK | SOCK_CLOEXEC));
        });
    }
    af::poll<long> poll_connect(context& cx, const sockaddr* addr, socklen_t addr_len) override {
        // Budgeted like every other operation: on loopback a connect completes at once, and a
        // task connecting in a loop would otherwise fill the listener's backlog before the
        // accepting task on the same thread ever runs (dropped SYNs cost 1 s retransmits).
        if (!coop::poll_proceed(cx)) return af::pending;
        if (!connect_started_) {
            if (fault::injector* f = fault::active()) [[unlikely]] {
                fault::decision d = fault::decide(*f, fault::site::connect, 0);
                if (d.would_block) {
                    cx.waker().wake_by_ref();
                    return af::pending;
                }
                if (d.error != 0) return static_cast<long>(-d.error);
            }
            connect_started_ = true;
            if (::connect(fd(), addr, addr_len) == 0) return 0L;
            if (errno != EINPROGRESS && errno != EINTR) return static_cast<long>(-errno);
        }
        // In progress: writable means done (or failed); SO_ERROR says which.
        std::uint64_t seen = readiness_.load(std::memory_order_acquire);
        if (!(seen & writable)) {
            register_in(write_state_, write_waker_, cx.waker());
            seen = readiness_.load(std::memory_order_acquire);
            if (!(seen & writable)) return af::pending;
        }
        int err = 0;
        socklen_t l = sizeof err;
        if (::getsockopt(fd(), SOL_SOCKET, SO_ERROR, &err, &l) < 0) return static_cast<long>(-errno);
        if (err == 0) {
            // Not an error yet the connection may still be in progress (a spurious writable
            // bit from the optimistic start): check that we have a peer.
            sockaddr_storage peer;
            socklen_t pl = sizeof peer;
            if (::getpeername(fd(), reinterpret_cast<sockaddr*>(&peer), &pl) == 0) return 0L;
            if (errno != ENOTCONN) return static_cast<long>(-errno);
            clear(seen, writable);
            register_in(write_state_, write_waker_, cx.waker());
            return af::pending;
        }
        return static_cast<long>(-err);
    }
    af::poll<long> poll_readable(context& cx) override {
        for (;;) {
            // Acquire: pairs with on_event's release.
            std::uint64_t seen = readiness_.load(std::memory_order_acquire);
            if (!(seen & (readable | closed_bits))) {
                register_in(read_state_, read_waker_, cx.waker());
                seen = readiness_.load(std::memory_order_acquire);
                if (!(seen & (readable | closed_bits))) return af::pending;
            }
            // The bit may be the optimistic start: ask the kernel without blocking.
            pollfd p{fd(), POLLIN, 0};
            int r = ::poll(&p, 1, 0);
            if (r > 0) return 0L;
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) return static_cast<long>(-errno);
            clear(seen, readable | closed_bits);
        }
    }

    void close() noexcept override;

private:
    // The first four members fill io_source's tail padding (see the size note at the top).
    af::detail::sync::atomic<std::uint8_t> read_state_{slot_waiting};
    af::detail::sync::atomic<std::uint8_t> write_state_{slot_waiting};
    const bool stream_;             // a pipe or a SOCK_STREAM socket
    bool connect_started_ = false;  // the writer's only
    std::atomic<std::uint64_t> readiness_{readable | writable};
    // The reactor while open; once retired, the link of the reactor's list of sources to free
    // (a list through the sources themselves: retiring must not allocate, it runs in close(),
    // which is noexcept, also when memory is exhausted). on_event never reads either.
    union {
        epoll_reactor* reactor_;
        epoll_source* next_retired_;
    };
    waker read_waker_ = waker::noop();
    waker write_waker_ = waker::noop();

    // An operation of `len` bytes: asks the fault schedule first when one is installed (it may
    // make the operation pending with a self-wake, fail it, shorten it, or make its first
    // system call fail with EINTR), then runs `call(len)` through op(). `stream`: a short
    // result means the descriptor is drained (poll_read on a byte stream).
    template <class Call>
    af::poll<long> faulty(context& cx, fault::site site, std::size_t len, std::uint64_t bit,
                          af::detail::sync::atomic<std::uint8_t>& ws, waker& w, Call call, bool stream = false) {
        if (fault::injector* f = fault::active()) [[unlikely]] {
            fault::decision d = fault::decide(*f, site, len);
            if (d.would_block) {
                cx.waker().wake_by_ref();  // a spurious EAGAIN: polled again, as after an edge
                return af::pending;
            }
            if (d.error != 0) return static_cast<long>(-d.error);
            bool eintr = d.interrupted;
            return op(cx, bit, ws, w, [&] {
                if (eintr) {
                    eintr = false;
                    errno = EINTR;
                    return -1L;
                }
                return static_cast<long>(call(d.len));
            }, stream ? d.len : 0);
        }
        return op(cx, bit, ws, w, [&] { return static_cast<long>(call(len)); }, stream ? len : 0);
    }

    template <class Syscall>
    // `drained_below`: when not 0, a result shorter than it means the descriptor is drained.
    af::poll<long> op(context& cx, std::uint64_t bit, af::detail::sync::atomic<std::uint8_t>& ws, waker& w, Syscall call,
                      std::size_t drained_below = 0) {
        if (!coop::poll_proceed(cx)) return af::pending;
        for (;;) {
            // Acquire: pairs with on_event's release.
            std::uint64_t seen = readiness_.load(std::memory_order_acquire);
            if (!(seen & (bit | (bit == readable ? closed_bits : 0)))) {
                register_in(ws, w, cx.waker());
                // An event between the load and the registration would have woken the old
                // waker: look again now that ours is in place.
                seen = readiness_.load(std::memory_order_acquire);
                if (!(seen & (bit | (bit == readable ? closed_bits : 0)))) return af::pending;
            }
            long n = call();
            if (n > 0 && static_cast<std::size_t>(n) < drained_below) clear(seen, bit);
            if (n >= 0) return n;
            int e = errno;
            if (e == EINTR) continue;
            if (e == EAGAIN || e == EWOULDBLOCK) {
                // EAGAIN proves the read side is not closed either: a stale hang-up bit (e.g.
                // the EPOLLHUP of a socket registered before connect/listen) must not make
                // every later read retry at once for ever.
                clear(seen, bit == readable ? (readable | closed_bits) : bit);
                continue;  // re-check: clear fails when an event came meanwhile
            }
            return static_cast<long>(-e);
        }
    }

    // Clears `bit` if no event arrived since `seen` was read.
    void clear(std::uint64_t seen, std::uint64_t bit) noexcept {
        std::uint64_t cur = seen;
        // Relaxed on success: clearing publishes nothing; failure means an event came.
        while ((cur & ~(count_unit - 1)) == (seen & ~(count_unit - 1))) {
            if (readiness_.compare_exchange_weak(cur, cur & ~bit, std::memory_order_relaxed, std::memory_order_relaxed)) {
                return;
            }
        }
    }

};

static_assert(sizeof(epoll_source) <= 64, "epoll_source grew: see the size note at the top");

// Frees a source and its tail (the caller's tail contents are already destroyed).
void destroy(epoll_source* s) noexcept {
    s->~epoll_source();
    ::operator delete(s);
}

// Pipes, FIFOs and stream sockets: where a short read means "nothing more for now".
bool is_byte_stream(int fd) noexcept {
    struct stat st;
    if (::fstat(fd, &st) != 0) return false;
    if (S_ISFIFO(st.st_mode)) return true;
    if (!S_ISSOCK(st.st_mode)) return false;
    int type = 0;
    socklen_t len = sizeof type;
    return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

class epoll_reactor final : public reactor {
public:
    epoll_reactor() {
        ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
        wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wake_fd_ < 0) {
            int e = errno;
            ::close(ep_);
            throw std::system_error(e, std::generic_category(), "eventfd");
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLET;
        ev.data.ptr = nullptr;  // the wake-up descriptor
        ::epoll_ctl(ep_, EPOLL_CTL_ADD, wake_fd_, &ev);
    }
    ~epoll_reactor() override {
        // Every source released its reference before we got here; retired ones still listed
        // (no park followed their retirement) are freed here.
        free_retired();
        ::close(wake_fd_);
        ::close(ep_);
    }

    io_source* open(int fd, std::size_t tail) override {
        if (fault::injector* f = fault::active()) [[unlikely]] {
            if (fault::fail_open(*f)) {
                ::close(fd);
                throw std::bad_alloc();
            }
        }
        void* mem = nullptr;
        try {
            mem = ::operator new(io_source::tail_offset<epoll_source>() + tail);
        } catch (...) {
            ::close(fd);  // the source owns the descriptor even when opening fails
            throw;
        }
        auto* s = new (mem) epoll_source(fd, *this, is_byte_stream(fd));
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = s;
        if (::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) < 0) {
            int e = errno;
            ::close(fd);
            destroy(s);
            throw std::system_error(e, std::generic_category(), "epoll_ctl(ADD)");
        }
        retain();  // the source's reference, given back when it is freed or retired
        // Relaxed: a counter for metrics.
        sources_.fetch_add(1, std::memory_order_relaxed);
        return s;
    }

    io_backend_kind kind() const noexcept override { return io_backend_kind::epoll; }

    bool park(int timeout_ms) override {
        std::unique_lock lk(park_m_, std::defer_lock);
        if (timeout_ms == 0) {
            if (!lk.try_lock()) return false;  // another thread is parked here: it dispatches
        } else {
            lk.lock();
        }
        free_retired();
        epoll_event evs[256];
        int n = ::epoll_wait(ep_, evs, 256, timeout_ms);
        bool woke = false;
        for (int i = 0; i < n; ++i) {
            auto* s = static_cast<epoll_source*>(evs[i].data.ptr);
            if (s == nullptr) {
                std::uint64_t v;
                while (::read(wake_fd_, &v, sizeof v) > 0) {
                }
                continue;
            }
            s->on_event(evs[i].events);
            woke = true;
        }
        return woke;
    }

    void unpark() noexcept override {
        std::uint64_t one = 1;
        [[maybe_unused]] ssize_t r = ::write(wake_fd_, &one, sizeof one);
    }

    std::size_t sources() const noexcept override { return sources_.load(std::memory_order_relaxed); }

    void retire(epoll_source* s) noexcept {
        ::epoll_ctl(ep_, EPOLL_CTL_DEL, s->fd(), nullptr);
        ::close(s->fd());
        sources_.fetch_sub(1, std::memory_order_relaxed);  // Relaxed: metrics
        // No park can be dispatching when only sources keep us alive (the runtime is gone):
        // free at once; otherwise the next park frees it.
        std::unique_lock park(park_m_, std::try_to_lock);
        if (park.owns_lock()) {
            free_retired();
            park.unlock();
            destroy(s);
            release();  // may release the last reference to this reactor: nothing after it
            return;
        }
        // A retired source must not keep the reactor alive: when the runtime shuts down right
        // after (no park follows to free the list), source and reactor would leak each other.
        // The reactor's destructor frees the list instead.
        {
            std::lock_guard lk(retired_m_);
            s->next_retired_ = retired_;
            retired_ = s;
        }
        release();  // may delete this reactor: nothing after it
    }

private:
    void free_retired() noexcept {
        epoll_source* s;
        {
            std::lock_guard lk(retired_m_);
            s = std::exchange(retired_, nullptr);
        }
        while (s != nullptr) destroy(std::exchange(s, s->next_retired_));
    }

    int ep_ = -1;
    int wake_fd_ = -1;
    std::mutex park_m_;
    std::mutex retired_m_;
    epoll_source* retired_ = nullptr;  // through epoll_source::next_retired_
    std::atomic<std::size_t> sources_{0};
};

void epoll_source::close() noexcept { reactor_->retire(this); }

}  // namespace

reactor* make_epoll_reactor() { return new epoll_reactor(); }

}  // namespace af::rt::detail

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
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <system_error>
#include <vector>

#include "af/core/atomic_waker.hpp"
#include "af/core/coop.hpp"
#include "af/rt/detail/reactor.hpp"

namespace af::rt::detail {
namespace {

constexpr std::uint64_t readable = 1;
constexpr std::uint64_t writable = 2;
constexpr std::uint64_t closed_bits = 4;  // read side hung up or error: reads will not block
constexpr std::uint64_t count_unit = 8;   // the event count lives above the bits

class epoll_reactor;

class epoll_source final : public io_source {
public:
    epoll_source(int fd, epoll_reactor& r) noexcept;
    ~epoll_source() override;

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
        if (bits & readable) read_waker_.wake();
        if (bits & writable) write_waker_.wake();
    }

    af::poll<long> poll_read(context& cx, void* buf, std::size_t len) override {
        // On a byte stream a read that returns less than asked for emptied the kernel buffer:
        // wait for the next edge instead of paying a read that fails with EAGAIN. Not for
        // datagrams (a small datagram says nothing about the next one).
        return op(cx, readable, read_waker_, [&] { return ::read(fd(), buf, len); }, stream_ ? len : 0);
    }
    af::poll<long> poll_write(context& cx, const void* buf, std::size_t len) override {
        return op(cx, writable, write_waker_, [&] {
            long n = ::send(fd(), buf, len, MSG_NOSIGNAL);
            if (n < 0 && errno == ENOTSOCK) n = ::write(fd(), buf, len);  // pipes, files
            return n;
        });
    }
    af::poll<long> poll_recv_from(context& cx, void* buf, std::size_t len, sockaddr* from,
                                  socklen_t* from_len) override {
        return op(cx, readable, read_waker_, [&] { return ::recvfrom(fd(), buf, len, 0, from, from_len); });
    }
    af::poll<long> poll_send_to(context& cx, const void* buf, std::size_t len, const sockaddr* to,
                                socklen_t to_len) override {
        return op(cx, writable, write_waker_, [&] { return ::sendto(fd(), buf, len, MSG_NOSIGNAL, to, to_len); });
    }
    af::poll<long> poll_accept(context& cx, sockaddr* addr, socklen_t* addr_len) override {
        return op(cx, readable, read_waker_,
                  [&] { return static_cast<long>(::accept4(fd(), addr, addr_len, SOCK_NONBLOCK | SOCK_CLOEXEC)); });
    }
    af::poll<long> poll_connect(context& cx, const sockaddr* addr, socklen_t addr_len) override {
        if (!connect_started_) {
            connect_started_ = true;
            if (::connect(fd(), addr, addr_len) == 0) return 0L;
            if (errno != EINPROGRESS && errno != EINTR) return static_cast<long>(-errno);
        }
        // In progress: writable means done (or failed); SO_ERROR says which.
        std::uint64_t seen = readiness_.load(std::memory_order_acquire);
        if (!(seen & writable)) {
            write_waker_.register_waker(cx.waker());
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
            write_waker_.register_waker(cx.waker());
            return af::pending;
        }
        return static_cast<long>(-err);
    }
    af::poll<long> poll_readable(context& cx) override {
        for (;;) {
            // Acquire: pairs with on_event's release.
            std::uint64_t seen = readiness_.load(std::memory_order_acquire);
            if (!(seen & (readable | closed_bits))) {
                read_waker_.register_waker(cx.waker());
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


    bool stream_ = false;  // a pipe or a SOCK_STREAM socket (set by open, before any poll)

private:
    std::atomic<std::uint64_t> readiness_{readable | writable};

    template <class Syscall>
    // `drained_below`: when not 0, a result shorter than it means the descriptor is drained.
    af::poll<long> op(context& cx, std::uint64_t bit, atomic_waker& w, Syscall call, std::size_t drained_below = 0) {
        if (!coop::poll_proceed(cx)) return af::pending;
        for (;;) {
            // Acquire: pairs with on_event's release.
            std::uint64_t seen = readiness_.load(std::memory_order_acquire);
            if (!(seen & (bit | (bit == readable ? closed_bits : 0)))) {
                w.register_waker(cx.waker());
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

    epoll_reactor& reactor_;
    atomic_waker read_waker_;
    atomic_waker write_waker_;
    bool connect_started_ = false;

public:
    // Set by retire() when the source waits in the retired list: it gave its reactor reference
    // back already (the reactor's destructor frees what is still listed).
    bool reactor_released_ = false;
};

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

    io_source* open(int fd) override {
        auto* s = new epoll_source(fd, *this);
        s->stream_ = is_byte_stream(fd);
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = s;
        if (::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) < 0) {
            int e = errno;
            ::close(fd);
            delete s;
            throw std::system_error(e, std::generic_category(), "epoll_ctl(ADD)");
        }
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
            delete s;  // may release the last reference to this reactor: nothing after it
            return;
        }
        // A retired source must not keep the reactor alive: when the runtime shuts down right
        // after (no park follows to free the list), source and reactor would leak each other.
        // The reactor's destructor frees the list instead. The flag is set before the push:
        // a park may free the source as soon as it is listed.
        s->reactor_released_ = true;
        {
            std::lock_guard lk(retired_m_);
            retired_.push_back(s);
        }
        release();  // may delete this reactor: nothing after it
    }

private:
    void free_retired() noexcept {
        std::vector<epoll_source*> r;
        {
            std::lock_guard lk(retired_m_);
            r.swap(retired_);
        }
        for (epoll_source* s : r) delete s;
    }

    int ep_ = -1;
    int wake_fd_ = -1;
    std::mutex park_m_;
    std::mutex retired_m_;
    std::vector<epoll_source*> retired_;
    std::atomic<std::size_t> sources_{0};
};

epoll_source::epoll_source(int fd, epoll_reactor& r) noexcept : io_source(fd), reactor_(r) { reactor_.retain(); }
epoll_source::~epoll_source() {
    if (!reactor_released_) reactor_.release();
}
void epoll_source::close() noexcept { reactor_.retire(this); }

}  // namespace

reactor* make_epoll_reactor() { return new epoll_reactor(); }

}  // namespace af::rt::detail

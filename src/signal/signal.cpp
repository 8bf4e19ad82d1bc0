// SPDX-License-Identifier: MIT
/// \file
/// The process-wide signal registry behind af::signal (see include/af/signal/signal.hpp).
///
/// A fixed table of listener slots, each {signal number, pipe write end, delivery count}, all
/// atomics with constant initialization: the signal handler may run on any thread at any
/// moment, so it touches nothing else (no locks, no allocation; write(2) is async-signal-safe).
/// Registration and removal take a mutex among themselves. Removal must not close a pipe that
/// a running handler is about to write to (the number could be reused by an unrelated file by
/// then): it clears the slot, then waits until no handler is running (`in_handler`); a handler
/// that starts after the clear cannot see the old descriptor. Handlers are a few microseconds,
/// so the wait is a short yield loop.
#include "af/signal/signal.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>

#include "af/rt/detail/reactor.hpp"

namespace af::signal {
namespace {

constexpr int max_listeners = 256;

struct slot {
    // All seq_cst: the removal protocol relies on one total order between the handler's
    // in_handler increment and the slot's clearing (see the file comment).
    std::atomic<int> signum{0};
    std::atomic<int> write_fd{-1};
    std::atomic<std::uint64_t> count{0};
    bool claimed = false;  // under registry_mutex
};

std::array<slot, max_listeners> slots;
std::atomic<int> in_handler{0};
std::mutex registry_mutex;
std::array<bool, NSIG> installed{};  // under registry_mutex

static_assert(std::atomic<int>::is_always_lock_free && std::atomic<std::uint64_t>::is_always_lock_free,
              "the signal handler needs lock-free atomics");

extern "C" void on_signal(int sig) {
    int saved = errno;
    in_handler.fetch_add(1);
    for (slot& s : slots) {
        if (s.signum.load() != sig) continue;
        s.count.fetch_add(1);
        int fd = s.write_fd.load();
        if (fd >= 0) {
            char b = 0;
            // A full pipe (EAGAIN) is fine: the byte is only a wake-up, the count is the data.
            [[maybe_unused]] ssize_t n = ::write(fd, &b, 1);
        }
    }
    in_handler.fetch_sub(1);
    errno = saved;
}

[[noreturn]] void fail(int err, int signum) {
    throw std::system_error(err, std::generic_category(), "signal " + std::to_string(signum));
}

}  // namespace

signal_stream::signal_stream(int signum) : signum_(signum) {
    if (signum <= 0 || signum >= NSIG || signum == SIGKILL || signum == SIGSTOP || signum == SIGILL ||
        signum == SIGFPE || signum == SIGSEGV || signum == SIGBUS)
        fail(EINVAL, signum);
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) fail(errno, signum);
    std::lock_guard lock(registry_mutex);
    int found = -1;
    for (int i = 0; i < max_listeners; ++i) {
        if (!slots[static_cast<std::size_t>(i)].claimed) {
            found = i;
            break;
        }
    }
    if (found < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        fail(ENOSPC, signum);
    }
    if (!installed[static_cast<std::size_t>(signum)]) {
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        // SA_RESTART: other threads' blocking calls interrupted by the signal resume instead of
        // failing with EINTR.
        sa.sa_flags = SA_RESTART;
        if (::sigaction(signum, &sa, nullptr) != 0) {
            int err = errno;
            ::close(fds[0]);
            ::close(fds[1]);
            fail(err, signum);
        }
        installed[static_cast<std::size_t>(signum)] = true;
    }
    slot& s = slots[static_cast<std::size_t>(found)];
    s.claimed = true;
    s.count.store(0);
    s.write_fd.store(fds[1]);
    s.signum.store(signum);  // last: from here on the handler counts into this slot
    slot_ = found;
    read_fd_ = fds[0];
}

signal_stream::signal_stream(signal_stream&& o) noexcept
    : signum_(o.signum_),
      slot_(std::exchange(o.slot_, -1)),
      read_fd_(std::exchange(o.read_fd_, -1)),
      source_(std::exchange(o.source_, nullptr)),
      seen_(o.seen_) {}

signal_stream& signal_stream::operator=(signal_stream&& o) noexcept {
    if (this != &o) {
        reset();
        signum_ = o.signum_;
        slot_ = std::exchange(o.slot_, -1);
        read_fd_ = std::exchange(o.read_fd_, -1);
        source_ = std::exchange(o.source_, nullptr);
        seen_ = o.seen_;
    }
    return *this;
}

signal_stream::~signal_stream() { reset(); }

void signal_stream::reset() noexcept {
    if (slot_ >= 0) {
        std::lock_guard lock(registry_mutex);
        slot& s = slots[static_cast<std::size_t>(slot_)];
        s.signum.store(0);
        int fd = s.write_fd.exchange(-1);
        while (in_handler.load() != 0) ::sched_yield();
        ::close(fd);
        s.claimed = false;
        slot_ = -1;
    }
    if (source_ != nullptr) std::exchange(source_, nullptr)->close();
    if (read_fd_ >= 0) ::close(std::exchange(read_fd_, -1));
}

af::poll<std::optional<int>> signal_stream::poll_next(context& cx) {
    slot& s = slots[static_cast<std::size_t>(slot_)];
    if (source_ == nullptr) {
        int fd = std::exchange(read_fd_, -1);
        source_ = af::rt::detail::require_reactor("af::signal::signal_stream").open(fd);
    }
    for (;;) {
        if (s.count.load() > seen_) {
            ++seen_;
            return std::optional<int>(signum_);
        }
        char drain[64];
        af::poll<long> r = source_->poll_read(cx, drain, sizeof drain);
        if (r.is_pending()) {
            // A delivery counted after the check above but whose byte the read did not see yet
            // (or a full pipe that dropped it): look once more now that the waker is stored.
            if (s.count.load() > seen_) {
                ++seen_;
                return std::optional<int>(signum_);
            }
            return af::pending;
        }
        if (r.value() < 0) fail(static_cast<int>(-r.value()), signum_);
    }
}

}  // namespace af::signal

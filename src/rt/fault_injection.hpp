// SPDX-License-Identifier: MIT
#pragma once
// The reactors' side of af::test::fault_injection (design note 0027): one global switch that
// is null unless a test installed a plan, so an operation pays a relaxed load and a branch
// that is never taken. Every decision draws the next number of a seeded counter-based stream
// (splitmix64 of seed + n), so a schedule replays from its seed.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace af::rt::detail::fault {

/// What an operation is, for the schedule: which faults it may see.
/// (file_read / file_write: af::fs on the blocking pool; short transfers and EINTR only.)
enum class site : std::uint8_t { read, write, datagram, accept, connect, file_read, file_write };

/// One operation's fate; a default decision changes nothing.
struct decision {
    bool would_block = false;  // pending, and wake the task at once
    bool interrupted = false;  // the first system call says EINTR (epoll)
    int error = 0;             // fail with this errno without doing the operation
    std::size_t len = 0;       // the (maybe shortened) length to use
};

class injector;

/// The installed injector, or null (the normal case).
extern std::atomic<injector*> active_injector;

inline injector* active() noexcept {
#ifdef AF_FAULT_INJECTION_COMPILED_OUT  // only to measure the hooks' cost (design note 0027)
    return nullptr;
#endif
    // Relaxed: the plan's fields are atomics themselves, so a thread that sees the pointer
    // early reads at worst the previous plan's probabilities, never torn memory.
    return active_injector.load(std::memory_order_relaxed);
}

/// The schedule's verdict for an operation of `len` bytes at `s`.
decision decide(injector& f, site s, std::size_t len) noexcept;
/// Whether registering a descriptor fails (the caller closes it and throws std::bad_alloc).
bool fail_open(injector& f) noexcept;
/// io_uring: 0, or the negative errno a completion should carry instead of running the operation
/// (-ECANCELED, -EINTR or -EAGAIN). `may_eagain`: false for POLL_ADDs (their -EAGAIN is a result).
int cqe_error(injector& f, bool may_eagain) noexcept;

}  // namespace af::rt::detail::fault

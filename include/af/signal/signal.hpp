// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Unix signals as futures and streams: `af::signal::ctrl_c()` completes on the next SIGINT;
/// `af::signal::signal(signum)` is an `af::stream` with one item (the signal number) per
/// delivery.
///
///     af::signal::signal_stream hangups = af::signal::signal(SIGHUP);
///     while (co_await af::next(hangups)) reload_config();
///
///     co_await af::signal::ctrl_c();   // Ctrl-C no longer kills the program: it ends this wait
///
/// How: the first listener of a signal installs a process-wide handler (sigaction). The handler
/// bumps an atomic counter of every listener of that signal and writes one byte to that
/// listener's own non-blocking pipe, whose read end is registered with the runtime's reactor;
/// the stream wakes on that byte and reports one item per counted delivery. A handler (rather
/// than signalfd) because signalfd only sees a signal that is blocked in every thread, and
/// threads that already exist when you start listening (runtime workers, blocking-pool threads,
/// threads of other libraries) would still take the signal with its default action: usually
/// death. A handler works whichever thread the kernel picks.
///
/// Choosing: `ctrl_c()` for "stop on Ctrl-C"; `signal(n)` for a loop over deliveries (SIGHUP
/// for reloads, SIGTERM for shutdown, SIGUSR1...). Several listeners of the same signal, in the
/// same or different runtimes, each get every delivery.
///
/// Consequences to know:
/// - Once listened to, a signal keeps af's handler for the rest of the process (as in most
///   runtimes): its default action (termination for SIGINT/SIGTERM) does not come back when the
///   last listener goes; a delivery with no listener is dropped.
/// - The kernel merges a signal that arrives while the same signal is already pending, so two
///   quick deliveries may count as one.
/// - SIGKILL, SIGSTOP, SIGILL, SIGFPE, SIGSEGV and SIGBUS are refused (std::system_error,
///   EINVAL): they cannot or must not be handled.
/// - At most 256 listeners exist at once in a process (std::system_error, ENOSPC, beyond).
#include <csignal>   // SIGINT
#include <cstdint>   // delivery counts
#include <optional>  // stream items

#include "af/core/context.hpp"
#include "af/core/poll.hpp"
#include "af/rt/detail/reactor.hpp"

namespace af::signal {

/// A stream of deliveries of one signal; each item is the signal number. It never ends.
/// Registered when constructed (deliveries from then on are counted, even before the first
/// poll); needs a runtime with I/O enabled only when first polled.
///
/// Cancellation: dropping an `af::next(s)` future loses nothing: the delivery stays counted for
/// the next one. Dropping the stream unregisters it.
/// Thread safety: one task at a time polls a stream; streams may move between threads. Any
/// thread may create and drop streams.
class signal_stream {
public:
    using item = int;

    /// Starts listening to `signum`; throws std::system_error for a refused signal.
    explicit signal_stream(int signum);
    signal_stream(signal_stream&& o) noexcept;
    signal_stream& operator=(signal_stream&& o) noexcept;
    ~signal_stream();

    af::poll<std::optional<int>> poll_next(context& cx);

    int signum() const noexcept { return signum_; }

private:
    void reset() noexcept;

    int signum_ = 0;
    int slot_ = -1;          // the registry entry the handler counts into; -1 when moved from
    int read_fd_ = -1;       // the pipe's read end until the first poll registers it
    af::rt::detail::io_source* source_ = nullptr;
    std::uint64_t seen_ = 0;  // deliveries already reported
};

/// A stream of `signum`'s deliveries; see signal_stream.
inline signal_stream signal(int signum) { return signal_stream(signum); }

/// Completes on the next SIGINT delivered after `ctrl_c()` was called.
class [[nodiscard("ctrl_c() listens from the call on, but completes only when awaited")]] ctrl_c_future {
public:
    using output = void;
    ctrl_c_future() : s_(SIGINT) {}
    af::poll<void> poll(context& cx) {
        if (s_.poll_next(cx).is_pending()) return af::pending;
        return {};
    }

private:
    signal_stream s_;
};

/// A future of the next SIGINT (Ctrl-C in a terminal). Listening starts at the call, so a
/// SIGINT between the call and the first poll is not lost. Cancellation: dropping it stops
/// listening. Thread safety: as signal_stream.
inline ctrl_c_future ctrl_c() { return ctrl_c_future(); }

}  // namespace af::signal

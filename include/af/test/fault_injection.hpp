// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::test::fault_injection`: makes the runtime's I/O fail on a seeded schedule, for tests of
/// the paths a healthy loopback never takes (design note docs/design/0027-fault-injection.md).
///
///     af::test::fault_plan plan;
///     plan.seed = af::test::fault_seed();  // AF_FAULT_SEED=<n> replays a failing run
///     plan.would_block = 0.3;              // an EAGAIN storm
///     plan.short_io = 0.5;                 // reads and writes move fewer bytes
///     af::test::fault_injection faults(plan);
///     // ... an echo whose far side checks every byte ...
///
/// While a `fault_injection` lives, every operation of every reactor (epoll and io_uring, all
/// runtimes of the process) asks the schedule first, and may:
///   - `would_block`: return pending and wake itself at once (a spurious EAGAIN);
///   - `interrupted`: have its system call fail with EINTR first (epoll; retried inside);
///   - `short_io`: read or write fewer bytes than asked (at least one; stream operations only);
///   - `reset`: fail with ECONNRESET (reads), EPIPE (writes); never for datagrams or accept;
///   - `refuse_connect`: a connect fails with ECONNREFUSED;
///   - `accept_emfile`: an accept fails with EMFILE (af::net backs off and retries);
///   - `out_of_memory`: registering a descriptor throws std::bad_alloc (it is closed);
///   - `cqe_retry` (io_uring): an operation completes with -ECANCELED, -EINTR or -EAGAIN
///     without running, as the kernel may say; the reactor must submit it again.
/// Each is a probability per operation. Benign faults (would_block, interrupted, short_io,
/// cqe_retry, accept_emfile) must never change what a correct program reads or writes; the
/// others must surface as the documented errors, never as a hang or a crash.
///
/// Off (no `fault_injection` alive), the reactors pay one relaxed load and a never-taken branch
/// per operation. One `fault_injection` at a time per process (a second one throws
/// std::logic_error). The schedule is deterministic for a seed when one thread does the I/O
/// (current_thread); with several threads the decisions interleave in their order.
#include <cstdint>  // the seed, the counters

namespace af::test {

struct fault_plan {
    /// 0: fault_seed() (AF_FAULT_SEED, else random).
    std::uint64_t seed = 0;
    double would_block = 0;
    double interrupted = 0;
    double short_io = 0;
    double reset = 0;
    double refuse_connect = 0;
    double accept_emfile = 0;
    double out_of_memory = 0;
    double cqe_retry = 0;
};

/// How many faults of each kind were injected so far (a test checks that its plan fired).
struct fault_counts {
    std::uint64_t would_block = 0;
    std::uint64_t interrupted = 0;
    std::uint64_t short_io = 0;
    std::uint64_t reset = 0;
    std::uint64_t refuse_connect = 0;
    std::uint64_t accept_emfile = 0;
    std::uint64_t out_of_memory = 0;
    std::uint64_t cqe_retry = 0;
    std::uint64_t total() const noexcept {
        return would_block + interrupted + short_io + reset + refuse_connect + accept_emfile + out_of_memory + cqe_retry;
    }
};

/// Installs a plan for the whole process while it lives.
class fault_injection {
public:
    /// Throws std::logic_error when another one is alive, std::invalid_argument for a
    /// probability outside [0, 1].
    explicit fault_injection(const fault_plan& plan);
    ~fault_injection();
    fault_injection(const fault_injection&) = delete;
    fault_injection& operator=(const fault_injection&) = delete;

    /// The seed in use (print it with a failure: AF_FAULT_SEED=<seed> replays the schedule).
    std::uint64_t seed() const noexcept;
    fault_counts counts() const noexcept;
};

/// AF_FAULT_SEED when set (decimal or 0x hex), otherwise a fresh random seed.
std::uint64_t fault_seed();

}  // namespace af::test

// SPDX-License-Identifier: MIT
// af::test::fault_injection and the reactors' decisions (design note 0027).
#include "fault_injection.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "af/test/fault_injection.hpp"

namespace af::rt::detail::fault {

// One static object, never freed: a reactor thread that loaded the pointer just before the plan
// was removed still reads valid (if stale) memory. Fields are atomics for the same reason.
class injector {
public:
    std::atomic<std::uint64_t> seed{0};
    std::atomic<std::uint64_t> next{0};
    std::atomic<double> p_would_block{0}, p_interrupted{0}, p_short_io{0}, p_reset{0}, p_refuse_connect{0},
        p_accept_emfile{0}, p_out_of_memory{0}, p_cqe_retry{0};
    std::atomic<std::uint64_t> n_would_block{0}, n_interrupted{0}, n_short_io{0}, n_reset{0}, n_refuse_connect{0},
        n_accept_emfile{0}, n_out_of_memory{0}, n_cqe_retry{0};

    // The next number of the stream (splitmix64, a counter-based generator: no shared state
    // but the counter).
    std::uint64_t draw() noexcept {
        // Relaxed: only the count matters; the seed was published by the acquire in active use.
        std::uint64_t z = seed.load(std::memory_order_relaxed) + 0x9e3779b97f4a7c15ULL * (next.fetch_add(1, std::memory_order_relaxed) + 1);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // True with probability `p` (relaxed loads: a plan is set before it is published).
    bool hit(const std::atomic<double>& p, std::atomic<std::uint64_t>& count) noexcept {
        double q = p.load(std::memory_order_relaxed);
        if (q <= 0) return false;
        if (static_cast<double>(draw() >> 11) * 0x1.0p-53 >= q) return false;
        count.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
};

namespace {
injector the_injector;
std::atomic<bool> installed{false};
}  // namespace

std::atomic<injector*> active_injector{nullptr};

decision decide(injector& f, site s, std::size_t len) noexcept {
    decision d;
    d.len = len;
    bool file = s == site::file_read || s == site::file_write;
    if (!file && f.hit(f.p_would_block, f.n_would_block)) {
        d.would_block = true;
        return d;
    }
    switch (s) {
    case site::read:
    case site::write:
        if (f.hit(f.p_reset, f.n_reset)) {
            d.error = s == site::read ? ECONNRESET : EPIPE;
            return d;
        }
        if (len > 1 && f.hit(f.p_short_io, f.n_short_io)) d.len = 1 + static_cast<std::size_t>(f.draw() % (len - 1));
        break;
    case site::accept:
        if (f.hit(f.p_accept_emfile, f.n_accept_emfile)) {
            d.error = EMFILE;
            return d;
        }
        break;
    case site::connect:
        if (f.hit(f.p_refuse_connect, f.n_refuse_connect)) {
            d.error = ECONNREFUSED;
            return d;
        }
        break;
    case site::file_read:
    case site::file_write:
        // Files: the blocking pool runs these, nothing to wake; short transfers and EINTR only.
        if (len > 1 && f.hit(f.p_short_io, f.n_short_io)) d.len = 1 + static_cast<std::size_t>(f.draw() % (len - 1));
        break;
    case site::datagram: break;  // a shortened or failed datagram would lose data: EINTR/EAGAIN only
    }
    d.interrupted = f.hit(f.p_interrupted, f.n_interrupted);
    return d;
}

bool fail_open(injector& f) noexcept { return f.hit(f.p_out_of_memory, f.n_out_of_memory); }

int cqe_error(injector& f, bool may_eagain) noexcept {
    if (!f.hit(f.p_cqe_retry, f.n_cqe_retry)) return 0;
    switch (f.draw() % (may_eagain ? 3 : 2)) {
    case 0: return -ECANCELED;
    case 1: return -EINTR;
    default: return -EAGAIN;
    }
}

}  // namespace af::rt::detail::fault

namespace af::test {

namespace f = af::rt::detail::fault;

std::uint64_t fault_seed() {
    if (const char* s = std::getenv("AF_FAULT_SEED"); s != nullptr && *s != '\0') {
        char* end = nullptr;
        std::uint64_t v = std::strtoull(s, &end, 0);
        if (end != nullptr && *end == '\0') return v;
        std::fprintf(stderr, "af: AF_FAULT_SEED=%s is not a number; using a random seed\n", s);
    }
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

fault_injection::fault_injection(const fault_plan& plan) {
    for (double p : {plan.would_block, plan.interrupted, plan.short_io, plan.reset, plan.refuse_connect,
                     plan.accept_emfile, plan.out_of_memory, plan.cqe_retry}) {
        if (!(p >= 0 && p <= 1)) throw std::invalid_argument("af::test::fault_injection: a probability outside [0, 1]");
    }
    bool expected = false;
    if (!f::installed.compare_exchange_strong(expected, true)) {
        throw std::logic_error("af::test::fault_injection: another one is already installed (one per process at a time)");
    }
    f::injector& i = f::the_injector;
    i.seed.store(plan.seed != 0 ? plan.seed : fault_seed(), std::memory_order_relaxed);
    i.next.store(0, std::memory_order_relaxed);
    i.p_would_block.store(plan.would_block, std::memory_order_relaxed);
    i.p_interrupted.store(plan.interrupted, std::memory_order_relaxed);
    i.p_short_io.store(plan.short_io, std::memory_order_relaxed);
    i.p_reset.store(plan.reset, std::memory_order_relaxed);
    i.p_refuse_connect.store(plan.refuse_connect, std::memory_order_relaxed);
    i.p_accept_emfile.store(plan.accept_emfile, std::memory_order_relaxed);
    i.p_out_of_memory.store(plan.out_of_memory, std::memory_order_relaxed);
    i.p_cqe_retry.store(plan.cqe_retry, std::memory_order_relaxed);
    for (auto* c : {&i.n_would_block, &i.n_interrupted, &i.n_short_io, &i.n_reset, &i.n_refuse_connect,
                    &i.n_accept_emfile, &i.n_out_of_memory, &i.n_cqe_retry}) {
        c->store(0, std::memory_order_relaxed);
    }
    // Release: a thread that sees the pointer sees the plan (its relaxed loads come after its
    // load of the pointer; the plan's fields are atomics, so a stale read is only stale).
    f::active_injector.store(&i, std::memory_order_release);
}

fault_injection::~fault_injection() {
    f::active_injector.store(nullptr, std::memory_order_release);
    f::installed.store(false, std::memory_order_release);
}

std::uint64_t fault_injection::seed() const noexcept { return f::the_injector.seed.load(std::memory_order_relaxed); }

fault_counts fault_injection::counts() const noexcept {
    const f::injector& i = f::the_injector;
    fault_counts c;
    c.would_block = i.n_would_block.load(std::memory_order_relaxed);
    c.interrupted = i.n_interrupted.load(std::memory_order_relaxed);
    c.short_io = i.n_short_io.load(std::memory_order_relaxed);
    c.reset = i.n_reset.load(std::memory_order_relaxed);
    c.refuse_connect = i.n_refuse_connect.load(std::memory_order_relaxed);
    c.accept_emfile = i.n_accept_emfile.load(std::memory_order_relaxed);
    c.out_of_memory = i.n_out_of_memory.load(std::memory_order_relaxed);
    c.cqe_retry = i.n_cqe_retry.load(std::memory_order_relaxed);
    return c;
}

}  // namespace af::test

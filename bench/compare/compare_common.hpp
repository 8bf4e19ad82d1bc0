// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// What every C++ program of the side-by-side comparison shares (the af and the Asio one): the
/// command line, the result line, peak-memory probes and the self-check.
///
/// Each program is run as `<prog> <system> <workload> <n> [m]` and prints exactly one JSON line
///
///     {"system":"af-local","workload":"spawn_join","n":1000000,"m":0,"seconds":0.0812,
///      "rss_base_kb":3400,"rss_peak_kb":3400,"check":"ok"}
///
/// or exits with status 1 and a "check failed" message on stderr when the workload's own result
/// (a sum or a count) is wrong, so that a broken run can never report a fast time. The Rust
/// programs (rust/src/common.rs) print the same line. See docs/benchmarks.md for the workloads.
#include <atomic>     // the counters shared with tasks
#include <chrono>     // steady_clock
#include <cstdint>    // std::uint64_t
#include <cstdio>     // std::printf, std::fprintf, std::fopen
#include <cstdlib>    // std::exit, std::strtoull
#include <cstring>    // std::strncmp, std::memcpy
#include <string>     // std::string
#include <sys/resource.h>  // RLIMIT_NOFILE for the idle-connection workload

namespace compare {

struct args {
    std::string system;
    std::string workload;
    std::uint64_t n = 0;
    std::uint64_t m = 0;
};

inline args parse(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s <system> <workload> <n> [m]\n", argv[0]);
        std::exit(2);
    }
    args a;
    a.system = argv[1];
    a.workload = argv[2];
    a.n = std::strtoull(argv[3], nullptr, 10);
    a.m = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 0;
    return a;
}

/// A field of /proc/self/status in kB (VmRSS: now, VmHWM: the peak so far).
inline long proc_status_kb(const char* field) {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (f == nullptr) return -1;
    char line[256];
    long kb = -1;
    std::size_t len = std::strlen(field);
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::strncmp(line, field, len) == 0 && line[len] == ':') {
            kb = std::strtol(line + len + 1, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return kb;
}

class stopwatch {
public:
    double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

private:
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

/// Exits with status 1 unless `got == want`: the workload computed the wrong thing.
inline void check(const args& a, const char* what, std::uint64_t got, std::uint64_t want) {
    if (got != want) {
        std::fprintf(stderr, "%s %s: check failed: %s = %llu, expected %llu\n", a.system.c_str(), a.workload.c_str(),
                     what, static_cast<unsigned long long>(got), static_cast<unsigned long long>(want));
        std::exit(1);
    }
}

/// The same, for checks made deep inside a workload where the arguments are not at hand.
inline void check_or_exit(const char* what, std::uint64_t got, std::uint64_t want) {
    if (got != want) {
        std::fprintf(stderr, "check failed: %s = %llu, expected %llu\n", what, static_cast<unsigned long long>(got),
                     static_cast<unsigned long long>(want));
        std::exit(1);
    }
}

inline void report(const args& a, double seconds, long rss_base_kb = 0, long rss_peak_kb = 0) {
    std::printf(
        "{\"system\":\"%s\",\"workload\":\"%s\",\"n\":%llu,\"m\":%llu,\"seconds\":%.6f,"
        "\"rss_base_kb\":%ld,\"rss_peak_kb\":%ld,\"check\":\"ok\"}\n",
        a.system.c_str(), a.workload.c_str(), static_cast<unsigned long long>(a.n),
        static_cast<unsigned long long>(a.m), seconds, rss_base_kb, rss_peak_kb);
}

[[noreturn]] inline void unknown(const args& a) {
    std::fprintf(stderr, "unknown system/workload: %s %s\n", a.system.c_str(), a.workload.c_str());
    std::exit(2);
}

/// Counters the idle-memory workload uses to prove that every task started and every task's
/// locals were destroyed by the cancellation. Relaxed: read only after the executor has been
/// joined or stopped, which orders them.
inline std::atomic<std::uint64_t> started{0};
inline std::atomic<std::uint64_t> dropped{0};

struct drop_guard {
    drop_guard() = default;
    drop_guard(const drop_guard&) = delete;
    drop_guard& operator=(const drop_guard&) = delete;
    ~drop_guard() { dropped.fetch_add(1, std::memory_order_relaxed); }
};

// --- the network workloads ----------------------------------------------------------------------

/// The TCP echo message size and contents (the same in every program). A connection's buffer
/// starts as byte j = (7c + j) mod 256 (echo_init); before each send, its first 8 bytes are
/// set to (c << 32) | i (echo_stamp), so that every message differs. Cheap on purpose: the
/// workload measures the runtime, not the filling of buffers.
inline constexpr std::size_t echo_msg = 1024;

inline void echo_init(unsigned char* buf, std::uint64_t c) {
    for (std::size_t j = 0; j < echo_msg; ++j) buf[j] = static_cast<unsigned char>((c * 7 + j) & 0xff);
}

inline void echo_stamp(unsigned char* buf, std::uint64_t c, std::uint64_t i) {
    std::uint64_t h = (c << 32) | i;
    std::memcpy(buf, &h, sizeof h);
}

/// Position-weighted sum of the message's 64-bit words (native byte order; x86 and the Rust
/// program read them little-endian): a word in the wrong place changes it.
inline std::uint64_t echo_checksum(const unsigned char* buf) {
    std::uint64_t s = 0;
    for (std::size_t k = 0; k < echo_msg / 8; ++k) {
        std::uint64_t w;
        std::memcpy(&w, buf + k * 8, sizeof w);
        s += w * (k + 1);
    }
    return s;
}

/// What the clients' checksums must add up to, computed from the messages outside the timing.
inline std::uint64_t echo_expected(std::uint64_t conns, std::uint64_t msgs) {
    unsigned char buf[echo_msg];
    std::uint64_t sum = 0;
    for (std::uint64_t c = 0; c < conns; ++c) {
        echo_init(buf, c);
        for (std::uint64_t i = 0; i < msgs; ++i) {
            echo_stamp(buf, c, i);
            sum += echo_checksum(buf);
        }
    }
    return sum;
}

/// Descriptors kept back from the idle-connection count: the runtime's (epoll, eventfd,
/// io_uring), the listener, stdio.
inline constexpr std::uint64_t idle_conns_reserve = 32;

/// How many idle connections fit in the descriptor limit (two descriptors each: the client and
/// the accepted side), after raising the soft RLIMIT_NOFILE to the hard limit. Says so on stderr
/// when that is fewer than `wanted`; the result line then carries the count really measured.
inline std::uint64_t idle_conns_fit(std::uint64_t wanted) {
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    std::uint64_t limit = lim.rlim_cur;
    std::uint64_t fit = limit > idle_conns_reserve ? (limit - idle_conns_reserve) / 2 : 0;
    if (fit < wanted) {
        std::fprintf(stderr,
                     "idle_conns: RLIMIT_NOFILE hard limit %llu fits %llu connections (2 descriptors each), not "
                     "%llu: measuring %llu\n",
                     static_cast<unsigned long long>(lim.rlim_max), static_cast<unsigned long long>(fit),
                     static_cast<unsigned long long>(wanted), static_cast<unsigned long long>(fit));
        return fit;
    }
    return wanted;
}

}  // namespace compare

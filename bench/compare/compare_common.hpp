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
#include <cstring>    // std::strncmp
#include <string>     // std::string

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

}  // namespace compare

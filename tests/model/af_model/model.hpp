// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// af's model checker: atomics, a mutex, a condition variable and threads that, inside
/// `af::model::check`, run as fibers under a scheduler that explores every interleaving of a
/// small scenario up to a preemption bound (CHESS), and, in weak-memory mode, every store each
/// load may read under a vector-clock approximation of the C++ memory model (as loom and
/// CDSChecker do). Design, memory model and limits: docs/design/0012-model-checker.md; API
/// summary: tests/model/README.md.
///
/// af's code reaches these types through `include/af/detail/sync.hpp` when built with AF_MODEL.
/// Outside `check()` they behave as plain sequential objects (no scheduling, latest values).
#include <atomic>       // std::memory_order
#include <cstddef>      // std::size_t
#include <cstdint>      // clocks, value bits
#include <cstring>      // std::memcmp
#include <functional>   // check()'s body, thread bodies
#include <iosfwd>       // operator<< for result
#include <mutex>        // std::unique_lock in condition_variable::wait
#include <string>       // failure text
#include <type_traits>  // value constraints

namespace af::model {

/// What `check` explores.
struct options {
    int preemption_bound = 2;           // switches away from a thread that could go on
    bool weak_memory = true;            // loads may read stale stores (see the ADR)
    std::size_t max_executions = 200000;
    std::size_t max_steps = 20000;      // scheduling points in one execution: more is a livelock
    bool spurious_wakeups = false;      // condition_variable::wait may return without a notify (once per thread)
};

/// What `check` found. `trace` is the schedule of the failing execution, one operation a line.
struct result {
    std::size_t executions = 0;
    bool failed = false;
    std::string failure;
    std::string trace;
    bool exhaustive = false;  // every execution within the bounds was run
};

std::ostream& operator<<(std::ostream& os, const result& r);

/// Runs `body` as thread 0 once per execution until every interleaving (and, in weak-memory
/// mode, every read choice) within the bounds has run or one fails.
result check(const options& opts, std::function<void()> body);

/// A spin-loop hint: the calling thread runs again only when no other thread can, and its later
/// loads see every store made before the yield (eventual visibility: without it, a spin loop in
/// weak-memory mode could read a stale value for ever).
void yield();

/// Lets the other threads run first, like yield(), but changes nothing about what loads may
/// read: for a task that an executor polls again (a self-wake is not a memory fence).
void reschedule();

inline constexpr int max_threads = 8;
inline constexpr int history = 8;  // stores remembered per atomic (older ones are never read)

namespace detail {

struct vclock {
    std::uint32_t c[max_threads] = {};
    void join(const vclock& o) noexcept {
        for (int i = 0; i < max_threads; ++i)
            if (o.c[i] > c[i]) c[i] = o.c[i];
    }
};

struct store_rec {
    std::uint32_t epoch = 0;  // the storing thread's clock at the store; 0: known to all
    std::uint8_t tid = 0;
    std::uint32_t seq = 0;    // order of the store among all stores of the execution
    vclock sync;              // what an acquire reading this store learns (release sequence)
};

// The value-independent half of an atomic: its modification order, as a ring of the last
// `history` stores, and each thread's coherence floor.
struct location {
    std::uint32_t count = 1;               // stores so far, the initial value included
    std::uint32_t seen[max_threads] = {};  // 1 + newest mo index each thread read or wrote
    store_rec recs[history];
    std::uint32_t alive = live;            // cleared by the destructor: catches use after free
    static constexpr std::uint32_t live = 0xa70a1c;
};

bool in_execution() noexcept;
int load_slot(location& l, const void* addr, std::memory_order o, const char* op, const char* file, int line);
int store_slot(location& l, const void* addr, std::memory_order o, const char* op, const char* file, int line);
int rmw_read(location& l, const void* addr, const char* op, const char* file, int line);
int rmw_commit(location& l, int read_slot, std::memory_order o);
void rmw_fail(location& l, int read_slot, std::memory_order failure);
void trace_values(std::uint64_t before, std::uint64_t after, std::memory_order o);
void atomic_wait(const void* addr, const char* file, int line);
void atomic_notify(const void* addr, const char* file, int line);
[[noreturn]] void assert_failed(const char* cond, const char* file, int line);

constexpr std::memory_order failure_order(std::memory_order o) noexcept {
    if (o == std::memory_order_acq_rel) return std::memory_order_acquire;
    if (o == std::memory_order_release) return std::memory_order_relaxed;
    return o;
}

template <class T>
std::uint64_t bits(const T& v) noexcept {
    if constexpr (std::is_pointer_v<T>) return reinterpret_cast<std::uintptr_t>(v);
    else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) return static_cast<std::uint64_t>(v);
    else return 0;
}

}  // namespace detail

#define AF_MODEL_LOC const char *file_ = __builtin_FILE(), int line_ = __builtin_LINE()

/// std::atomic's interface as af uses it; every operation is a scheduling point.
template <class T>
class atomic {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8,
                  "af::model::atomic holds integers, enums, bools and pointers");

public:
    atomic() noexcept : atomic(T{}) {}
    constexpr atomic(T v) noexcept : values_{v} {}  // NOLINT: implicit, like std::atomic
    atomic(const atomic&) = delete;
    atomic& operator=(const atomic&) = delete;
    ~atomic() { loc_.alive = 0; }

    T load(std::memory_order o = std::memory_order_seq_cst, AF_MODEL_LOC) const {
        T v = values_[detail::load_slot(loc_, this, o, "load", file_, line_)];
        detail::trace_values(detail::bits(v), detail::bits(v), o);
        return v;
    }
    void store(T v, std::memory_order o = std::memory_order_seq_cst, AF_MODEL_LOC) {
        values_[detail::store_slot(loc_, this, o, "store", file_, line_)] = v;
        detail::trace_values(detail::bits(v), detail::bits(v), o);
    }
    T exchange(T v, std::memory_order o = std::memory_order_seq_cst, AF_MODEL_LOC) {
        return rmw("exchange", o, file_, line_, [&](T) { return v; });
    }
    bool compare_exchange_strong(T& expected, T desired, std::memory_order success, std::memory_order failure,
                                 AF_MODEL_LOC) {
        return cas("compare_exchange", expected, desired, success, failure, file_, line_);
    }
    bool compare_exchange_strong(T& expected, T desired, std::memory_order o = std::memory_order_seq_cst,
                                 AF_MODEL_LOC) {
        return cas("compare_exchange", expected, desired, o, detail::failure_order(o), file_, line_);
    }
    // Weak never fails spuriously here: every af caller retries, so a spurious failure is one
    // more loop turn, not a new behaviour.
    bool compare_exchange_weak(T& expected, T desired, std::memory_order success, std::memory_order failure,
                               AF_MODEL_LOC) {
        return cas("compare_exchange_weak", expected, desired, success, failure, file_, line_);
    }
    bool compare_exchange_weak(T& expected, T desired, std::memory_order o = std::memory_order_seq_cst,
                               AF_MODEL_LOC) {
        return cas("compare_exchange_weak", expected, desired, o, detail::failure_order(o), file_, line_);
    }

    T fetch_add(T d, std::memory_order o = std::memory_order_seq_cst, AF_MODEL_LOC) requires std::is_integral_v<T> {
        return rmw("fetch_add", o, file_, line_, [&](T v) { return static_cast<T>(v + d); });
    }
    T fetch_sub(T d, std::memory_order o = std::memory_order_seq_cst, AF_MODEL_LOC) requires std::is_integral_v<T> {
        return rmw("fetch_sub", o, file_, line_, [&](T v) { return static_cast<T>(v - d); });
    }
    T fetch_or(T d, std::memory_order o = std::memory_order_seq_cst, AF_MODEL_LOC) requires std::is_integral_v<T> {
        return rmw("fetch_or", o, file_, line_, [&](T v) { return static_cast<T>(v | d); });
    }
    T fetch_and(T d, std::memory_order o = std::memory_order_seq_cst, AF_MODEL_LOC) requires std::is_integral_v<T> {
        return rmw("fetch_and", o, file_, line_, [&](T v) { return static_cast<T>(v & d); });
    }
    T fetch_xor(T d, std::memory_order o = std::memory_order_seq_cst, AF_MODEL_LOC) requires std::is_integral_v<T> {
        return rmw("fetch_xor", o, file_, line_, [&](T v) { return static_cast<T>(v ^ d); });
    }

    operator T() const { return load(); }  // NOLINT: like std::atomic
    T operator=(T v) {
        store(v);
        return v;
    }

    /// C++20 atomic waiting: blocks until a notify while the value equals `old` (a wait with no
    /// notify coming is a deadlock the checker reports). May return spuriously, as std's may.
    void wait(T old, std::memory_order o = std::memory_order_seq_cst, AF_MODEL_LOC) const {
        while (same(load(o, file_, line_), old)) detail::atomic_wait(this, file_, line_);
    }
    void notify_one(AF_MODEL_LOC) { detail::atomic_notify(this, file_, line_); }
    void notify_all(AF_MODEL_LOC) { detail::atomic_notify(this, file_, line_); }

    static constexpr bool is_always_lock_free = true;
    bool is_lock_free() const noexcept { return true; }

private:
    static bool same(const T& a, const T& b) noexcept { return std::memcmp(&a, &b, sizeof(T)) == 0; }

    template <class F>
    T rmw(const char* op, std::memory_order o, const char* file, int line, F f) {
        int r = detail::rmw_read(loc_, this, op, file, line);
        T old = values_[r];
        T nv = f(old);
        values_[detail::rmw_commit(loc_, r, o)] = nv;
        detail::trace_values(detail::bits(old), detail::bits(nv), o);
        return old;
    }

    bool cas(const char* op, T& expected, T desired, std::memory_order success, std::memory_order failure,
             const char* file, int line) {
        int r = detail::rmw_read(loc_, this, op, file, line);
        T old = values_[r];
        if (same(old, expected)) {
            values_[detail::rmw_commit(loc_, r, success)] = desired;
            detail::trace_values(detail::bits(old), detail::bits(desired), success);
            return true;
        }
        detail::rmw_fail(loc_, r, failure);
        detail::trace_values(detail::bits(old), detail::bits(old), failure);
        expected = old;
        return false;
    }

    mutable detail::location loc_;
    mutable T values_[history];
};

/// A fence: release/acquire fences as in C++; seq_cst fences also join the global SC clock.
void fence(std::memory_order o, AF_MODEL_LOC);

/// A mutex; lock/unlock synchronise like std::mutex. Blocking on it is a free context switch.
class mutex {
public:
    mutex() = default;
    mutex(const mutex&) = delete;
    mutex& operator=(const mutex&) = delete;
    void lock(AF_MODEL_LOC);
    bool try_lock(AF_MODEL_LOC);
    void unlock(AF_MODEL_LOC);

private:
    friend class condition_variable;
    int owner_ = -1;
    detail::vclock clock_;
};

/// A condition variable over `af::model::mutex`. notify_one wakes the longest waiter.
class condition_variable {
public:
    condition_variable() = default;
    condition_variable(const condition_variable&) = delete;
    condition_variable& operator=(const condition_variable&) = delete;
    void wait(std::unique_lock<mutex>& lk, AF_MODEL_LOC);
    template <class Pred>
    void wait(std::unique_lock<mutex>& lk, Pred pred, AF_MODEL_LOC) {
        while (!pred()) wait(lk, file_, line_);
    }
    void notify_one(AF_MODEL_LOC);
    void notify_all(AF_MODEL_LOC);

private:
    std::uint8_t waiters_[max_threads] = {};  // thread ids, oldest first
    int n_ = 0;
};

/// A model thread (a fiber inside check()); must be joined.
class thread {
public:
    template <class F>
    explicit thread(F&& f) : id_(spawn(std::function<void()>(std::forward<F>(f)))) {}
    thread(const thread&) = delete;
    thread& operator=(const thread&) = delete;
    ~thread();
    void join(AF_MODEL_LOC);
    bool joinable() const noexcept { return id_ >= 0; }

private:
    static int spawn(std::function<void()> f);
    int id_;
};

#undef AF_MODEL_LOC

}  // namespace af::model

/// Fails the current execution (the checker reports the condition, file:line and schedule).
#define AF_MODEL_ASSERT(cond) \
    ((cond) ? static_cast<void>(0) : ::af::model::detail::assert_failed(#cond, __FILE__, __LINE__))

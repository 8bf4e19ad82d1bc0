// SPDX-License-Identifier: MIT
#pragma once
// Parts shared by the runtime's flavors: configuration, the owned-task set, the injection
// queue, the driver that parks a thread until work or a timer is due, thread start-up, and the
// debugging aids (blocking watchdog, dump on a signal).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "af/detail/sync.hpp"
#include "af/executor/detail/spawned_task.hpp"
#include "af/rt/detail/context.hpp"
#include "af/rt/detail/reactor.hpp"
#include "af/rt/dump_tasks.hpp"
#include "af/rt/metrics.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/watchdog.hpp"
#include "driver_wake.hpp"

namespace af::rt::detail {

namespace sync = af::detail::sync;
using af::detail::task_header;

/// Which poll a worker is in, read by the blocking watchdog (src/rt/watchdog.cpp). Written only
/// by the thread that owns the slot: three plain stores per poll and no clock read; the watchdog
/// times a poll itself, by seeing the same odd `seq` on successive looks.
struct alignas(64) poll_slot {  // one cache line each: workers must not share one
    void begin(const void* t) noexcept {
        std::uint64_t s = seq.load(std::memory_order_relaxed);  // Relaxed: only this thread writes it
        // Release on both stores, acquire on the watchdog's loads (seq, task, seq again): a task
        // read from a later poll carries that poll's seq with it, so a torn pair is seen and
        // skipped (a seqlock).
        task.store(t, std::memory_order_release);
        seq.store(s + 1, std::memory_order_release);  // odd: in a poll
    }
    void end() noexcept {
        seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);  // even: between polls
    }
    sync::atomic<std::uint64_t> seq{0};
    sync::atomic<const void*> task{nullptr};
    sync::atomic<bool> claimed{false};  // current_thread cores: which thread drives this slot
    // Written by the watchdog when it first sees a poll (seen_since_ns, then seen_seq with
    // release), so that a dump can say how long a running task has held its worker.
    sync::atomic<std::int64_t> seen_since_ns{0};  // steady_clock
    sync::atomic<std::uint64_t> seen_seq{0};
};

/// The slots of one runtime: one per worker (multi_thread, thread_per_core), one for
/// current_thread. Shared by the workers (through config) and the watchdog.
class poll_slots {
public:
    explicit poll_slots(std::size_t n) : n_(n), slots_(new poll_slot[n]) {}
    std::size_t size() const noexcept { return n_; }
    poll_slot& operator[](std::size_t i) noexcept { return slots_[i]; }
    /// A free slot for the thread about to drive a current_thread core; null when all are taken
    /// (that thread's polls go unwatched).
    poll_slot* claim() noexcept {
        for (std::size_t i = 0; i < n_; ++i) {
            bool expected = false;
            // Acquire/release: the previous driver's last stores to the slot come before ours.
            if (slots_[i].claimed.compare_exchange_strong(expected, true, std::memory_order_acquire)) return &slots_[i];
        }
        return nullptr;
    }
    static void unclaim(poll_slot* s) noexcept {
        if (s != nullptr) s->claimed.store(false, std::memory_order_release);
    }

private:
    std::size_t n_;
    std::unique_ptr<poll_slot[]> slots_;
};

struct config {
    flavor kind = flavor::multi_thread;
    std::size_t workers = 1;
    std::size_t max_blocking = 512;
    std::chrono::nanoseconds keep_alive = std::chrono::seconds(10);
    bool time = false;
    bool io = false;
    bool start_paused = false;
    std::string thread_name;
    std::function<void()> on_start;
    std::function<void()> on_stop;
    std::optional<std::uint64_t> seed;
    int budget = 128;
    io_backend io_kind = io_backend::automatic;
    // Every `event_interval` ticks a worker checks timers (and, later, I/O) even when it has
    // tasks; every `global_interval` ticks it takes from the injection queue first, so remote
    // spawns and wakes are not starved by a busy local queue. Values as tokio uses (61, 31).
    unsigned event_interval = 61;
    unsigned global_interval = 31;
    bool lifo = true;
    // Debugging aids (src/rt/watchdog.cpp, src/rt/dump_signal.cpp). `watch` is null when the
    // watchdog is off; workers publish their polls to it.
    std::shared_ptr<poll_slots> watch;
    std::chrono::nanoseconds watch_threshold{};
    std::function<void(const blocking_report&)> on_blocking;
    int dump_signal = 0;
    std::function<void(const std::string&)> on_dump;
};

runtime_core* make_current_thread(config c);
runtime_core* make_multi_thread(config c);
runtime_core* make_thread_per_core(config c);

/// Every task of a runtime that has not completed, so that shutdown can cancel idle tasks and
/// dump_tasks can list them. Sharded by address: spawns and completions on different workers
/// rarely meet on one lock. Intrusive, through the header's owned_prev/owned_next.
class owned_tasks {
public:
    /// False when closed: the caller cancels the task at once.
    bool push(task_header* t) noexcept {
        shard& s = shard_of(t);
        std::lock_guard lk(s.m);
        if (s.closed) return false;
        t->owned_prev = nullptr;
        t->owned_next = s.head;
        if (s.head) s.head->owned_prev = t;
        s.head = t;
        ++s.count;
        return true;
    }
    void remove(task_header* t) noexcept {
        shard& s = shard_of(t);
        std::lock_guard lk(s.m);
        if (t->owned_prev) {
            t->owned_prev->owned_next = t->owned_next;
        } else if (s.head == t) {
            s.head = t->owned_next;
        } else {
            return;  // already taken by close_and_drain
        }
        if (t->owned_next) t->owned_next->owned_prev = t->owned_prev;
        t->owned_prev = t->owned_next = nullptr;
        --s.count;
    }
    /// Refuses further pushes and hands every remaining task to `f` (outside the locks: a
    /// cancelled future's destructor may spawn or complete other tasks).
    template <class Fn>
    void close_and_drain(Fn f) {
        for (shard& s : shards_) {
            task_header* t;
            {
                std::lock_guard lk(s.m);
                s.closed = true;
                t = std::exchange(s.head, nullptr);
                s.count = 0;
            }
            while (t != nullptr) {
                task_header* next = t->owned_next;  // f may free t
                t->owned_prev = t->owned_next = nullptr;
                f(t);
                t = next;
            }
        }
    }
    std::size_t size() const noexcept {
        std::size_t n = 0;
        for (const shard& s : shards_) {
            std::lock_guard lk(s.m);
            n += s.count;
        }
        return n;
    }
    /// Calls `f(t)` for every task under its shard's lock, which keeps `t` alive: a task leaves
    /// the set (remove, under the same lock) before its owner reference is released.
    template <class Fn>
    void for_each(Fn f) {
        for (shard& s : shards_) {
            std::lock_guard lk(s.m);
            for (task_header* t = s.head; t != nullptr; t = t->owned_next) f(t);
        }
    }

private:
    struct shard {
        mutable std::mutex m;
        task_header* head = nullptr;
        std::size_t count = 0;
        bool closed = false;
    };
    shard& shard_of(task_header* t) noexcept {
        return shards_[(reinterpret_cast<std::uintptr_t>(t) >> 7) % shard_count];
    }
    static constexpr std::size_t shard_count = 16;
    shard shards_[shard_count];
};

/// Tasks queued from outside a worker (or overflowing a worker's local queue), FIFO.
class inject_queue {
public:
    /// False when closed: the caller releases the run reference.
    bool push(task_header* t) {
        std::lock_guard lk(m_);
        if (closed_) return false;
        q_.push_back(t);
        // Relaxed: a hint read without the lock; the lock orders the queue itself.
        size_.store(q_.size(), std::memory_order_relaxed);
        return true;
    }
    bool push_batch(task_header* const* ts, std::size_t n) {
        std::lock_guard lk(m_);
        if (closed_) return false;
        q_.insert(q_.end(), ts, ts + n);
        size_.store(q_.size(), std::memory_order_relaxed);  // Relaxed: see push
        return true;
    }
    task_header* pop() {
        if (empty_hint()) return nullptr;
        std::lock_guard lk(m_);
        if (q_.empty()) return nullptr;
        task_header* t = q_.front();
        q_.pop_front();
        size_.store(q_.size(), std::memory_order_relaxed);  // Relaxed: see push
        return t;
    }
    /// Up to `max` tasks into `out`; returns how many.
    std::size_t pop_batch(task_header** out, std::size_t max) {
        if (empty_hint()) return 0;
        std::lock_guard lk(m_);
        std::size_t n = q_.size() < max ? q_.size() : max;
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = q_.front();
            q_.pop_front();
        }
        size_.store(q_.size(), std::memory_order_relaxed);  // Relaxed: see push
        return n;
    }
    bool empty_hint() const noexcept { return size_.load(std::memory_order_relaxed) == 0; }
    std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
    /// Refuses further pushes; returns what was queued.
    std::deque<task_header*> close() {
        std::lock_guard lk(m_);
        closed_ = true;
        size_.store(0, std::memory_order_relaxed);
        return std::exchange(q_, {});
    }

private:
    std::mutex m_;
    std::deque<task_header*> q_;
    sync::atomic<std::size_t> size_{0};
    bool closed_ = false;
};

/// Parks a thread until `unpark()`, an I/O event or the next timer, then fires due timers. One
/// thread at a time parks on a driver. With I/O enabled the reactor is where it sleeps
/// (epoll_wait or io_uring_enter with the timer's timeout; a kernel wake writes an eventfd);
/// otherwise a condition variable. An unpark while nobody sleeps is a flag (driver_wake.hpp):
/// the next park returns at once instead of sleeping.
class driver {
public:
    driver(af::time::detail::time_driver* time, reactor* io) noexcept;
    driver(const driver&) = delete;
    driver& operator=(const driver&) = delete;

    /// Sleeps until unparked, an I/O event, or the earliest timer, then fires due timers. With a
    /// paused clock and `may_auto_advance`, does not sleep: if no I/O event is ready, jumps the
    /// clock to the earliest timer instead (nothing else could make progress, or the caller
    /// would not park).
    void park(bool may_auto_advance);
    /// Fires due timers and dispatches ready I/O events without sleeping (a busy worker's look
    /// every `event_interval` ticks).
    void poll_events();
    void unpark() noexcept;
    af::time::detail::time_driver* time() const noexcept { return time_; }
    reactor* io() const noexcept { return io_; }

private:
    void wake_sleeper() noexcept;
    af::time::detail::time_driver* time_;
    reactor* io_;
    driver_wake wake_;
    std::mutex m_;  // the condition variable's sleep (no I/O)
    std::condition_variable cv_;
    bool notified_ = false;
};

/// Starts a runtime thread: names it, runs the hooks around `body`.
std::thread start_thread(const config& c, std::function<void()> body);

/// block_on for flavors whose workers are other threads: polls `f` on the calling thread,
/// sleeping between wakes, with a task budget per poll.
void block_on_caller(void* f, bool (*poll)(void*, context&) noexcept, int budget);

/// Appends the dump of `t` (locked for inspection if idle) to `out`.
void dump_task(task_header* t, std::vector<task_dump>& out);
/// For each running task in `out`: the worker whose slot polls it and, when the watchdog has
/// seen that poll, for how long. Nothing without a watchdog (`slots` null).
void add_running_info(std::vector<task_dump>& out, poll_slots* slots);


/// True while the blocking pool has queued or running jobs (false for null).
bool blocking_busy(const blocking_pool* p) noexcept;

/// A reactor of the configured kind (automatic: epoll, measured faster on every workload, see
/// docs/design/0008-reactor.md).
reactor* make_reactor(io_backend kind);

/// Fills the time and blocking parts of `m`.
void fill_common_metrics(runtime_metrics& m, af::time::detail::time_driver* time, blocking_pool* blocking);

/// The watchdog's thread: every threshold / 2 it looks at each slot, and reports a poll it has
/// seen running for at least the threshold, once per poll.
class watchdog {
public:
    watchdog(std::shared_ptr<poll_slots> slots, std::chrono::nanoseconds threshold,
             std::function<void(const blocking_report&)> hook);
    ~watchdog();  // stops and joins the thread
    watchdog(const watchdog&) = delete;
    watchdog& operator=(const watchdog&) = delete;

private:
    void run();
    std::shared_ptr<poll_slots> slots_;
    std::chrono::nanoseconds threshold_;
    std::function<void(const blocking_report&)> hook_;
    std::mutex m_;
    std::condition_variable cv_;
    bool started_ = false;  // the thread runs: the constructor waits for it
    bool stop_ = false;
    std::thread thread_;
};

/// Makes a dump of `rt` go to `hook` (stderr when empty) whenever the process receives
/// `signum`, until unregister_dump (src/rt/dump_signal.cpp). Throws std::system_error when the
/// handler cannot be installed.
void register_dump(int signum, runtime_core* rt, std::function<void(const std::string&)> hook);
/// Idempotent; waits for a dump of `rt` in progress.
void unregister_dump(runtime_core* rt) noexcept;
/// SIGQUIT, QUIT or 3 to 3; 0 for anything else.
int parse_signal(const char* text) noexcept;

/// The time driver and blocking pool a runtime owns, built from the config.
struct services {
    explicit services(const config& c, runtime_core* rt);
    ~services();
    services(const services&) = delete;
    services& operator=(const services&) = delete;

    std::unique_ptr<af::time::detail::time_driver> time;
    std::unique_ptr<reactor, reactor_release> io;
    std::unique_ptr<blocking_pool> blocking;
    std::unique_ptr<watchdog> watch;  // null when off
    runtime_core* dumped = nullptr;   // registered for signal dumps
    runtime_context context(runtime_core* rt) const noexcept { return {rt, time.get(), blocking.get(), io.get()}; }
    void shutdown(std::chrono::nanoseconds timeout) noexcept;
    /// Stops the watchdog and the signal dumps (shutdown and the destructor call it).
    void stop_debugging() noexcept;
};

}  // namespace af::rt::detail

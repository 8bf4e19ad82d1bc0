// SPDX-License-Identifier: MIT
#pragma once
// Parts shared by the runtime's flavors: configuration, the owned-task set, the injection
// queue, the driver that parks a thread until work or a timer is due, and thread start-up.
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

namespace af::rt::detail {

namespace sync = af::detail::sync;
using af::detail::task_header;

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
/// (epoll_wait or io_uring_enter with the timer's timeout; unpark writes an eventfd);
/// otherwise a condition variable.
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
    af::time::detail::time_driver* time_;
    reactor* io_;
    std::mutex m_;
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

/// True while the blocking pool has queued or running jobs (false for null).
bool blocking_busy(const blocking_pool* p) noexcept;

/// A reactor of the configured kind (automatic: epoll, measured faster on every workload, see
/// docs/design/0008-reactor.md).
reactor* make_reactor(io_backend kind);

/// Fills the time and blocking parts of `m`.
void fill_common_metrics(runtime_metrics& m, af::time::detail::time_driver* time, blocking_pool* blocking);

/// The time driver and blocking pool a runtime owns, built from the config.
struct services {
    explicit services(const config& c, runtime_core* rt);
    ~services();
    services(const services&) = delete;
    services& operator=(const services&) = delete;

    std::unique_ptr<af::time::detail::time_driver> time;
    std::unique_ptr<reactor, reactor_release> io;
    std::unique_ptr<blocking_pool> blocking;
    runtime_context context(runtime_core* rt) const noexcept { return {rt, time.get(), blocking.get(), io.get()}; }
    void shutdown(std::chrono::nanoseconds timeout) noexcept;
};

}  // namespace af::rt::detail

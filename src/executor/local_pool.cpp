// SPDX-License-Identifier: MIT
// af::executor::local_pool: one thread runs the tasks; any thread may wake them.
//
// Two queues:
//   - local_: touched only by the thread inside run*/run_until of this pool (`current_local`
//     names that pool), so a task woken or spawned by another task of the same pool is queued
//     without a lock or an atomic RMW beyond the task's own state word.
//   - incoming_: under m_, for wakes and spawns from any other thread (or from the pool's
//     thread outside run*). has_incoming_ is a lock-free hint so the run loop only takes the
//     lock when something is there; a stale "false" is harmless because the push also sets
//     notified_, which park() checks under the lock before sleeping.
// The owned list (every task not yet completed, for the destructor to cancel) is the pool
// thread's alone, like local_, so spawning from a task and completing take no lock. A task
// spawned from elsewhere enters incoming_ marked `adopted` and joins owned_ when the pool's
// thread drains it (or when the destructor takes incoming_). Completion (disown) always happens
// in run_ready, on the pool's thread. run() is done when owned_ is empty and no adopted task
// waits in incoming_.
// Parking: park() sleeps on cv_ until notified_; every remote push and every remote wake of
// run_until's future sets notified_ under m_ and signals when the thread is parked_. The future
// given to run_until is woken through a waker on the core itself (hand-written vtable, the
// core's reference count), which sets main_woken_.
// The core is reference-counted (see detail::scheduler): tasks, spawners and main wakers keep
// it alive after the pool is gone, closed.
#include "af/executor/local_pool.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>

namespace af::detail {
namespace {

class local_core;
// The pool whose run* is active on this thread: its local_ queue may be used without a lock.
thread_local const local_core* current_local = nullptr;

extern const raw_waker_vtable main_waker_vtable;

class local_core final : public scheduler {
    // A task queued from another thread, `adopted` when it is new (not yet in owned_). The flag
    // lives in the pointer's low bit so that an entry stays one word: a million remote spawns
    // queue a million entries.
    class inbound {
    public:
        inbound(task_header* t, bool adopted) noexcept
            : bits_(reinterpret_cast<std::uintptr_t>(t) | static_cast<std::uintptr_t>(adopted)) {}
        task_header* task() const noexcept { return reinterpret_cast<task_header*>(bits_ & ~std::uintptr_t{1}); }
        bool adopted() const noexcept { return (bits_ & 1u) != 0; }

    private:
        static_assert(alignof(task_header) > 1, "the low bit of a task pointer is free");
        std::uintptr_t bits_;
    };

public:
    void schedule(task_header* t) noexcept override {
        if (current_local == this) {
            local_.push_back(t);
            return;
        }
        std::unique_lock lk(m_);
        if (closed_) {
            lk.unlock();
            t->release();
            return;
        }
        push_incoming_locked({t, false}, lk);
    }

    void adopt(task_header* t) noexcept override {
        if (current_local == this) {
            // The pool's own thread inside run*: closed_ is set only by the destructor, which
            // cannot run now, and owned_ is this thread's.
            owned_.push(t);
            local_.push_back(t);
            return;
        }
        std::unique_lock lk(m_);
        if (closed_) {
            lk.unlock();
            t->release();    // the run reference: the task never reaches a queue
            t->shut_down();  // drops the future and the owner reference
            return;
        }
        // Listed as owned when the pool's thread drains it (see the file comment).
        push_incoming_locked({t, true}, lk);
    }

    void disown(task_header* t) noexcept override {
        // Called by task_header::run, which only run_ready calls: the pool's own thread.
        owned_.remove(t);
    }

    bool all_done() {
        if (!owned_.empty()) return false;
        std::lock_guard lk(m_);
        return incoming_.empty();
    }

    void wake_main() noexcept {
        // Release: the waker's writes are visible to the poll of the main future (acquired in
        // take_main_wake).
        main_woken_.store(true, std::memory_order_release);
        if (current_local == this) return;  // the pool's own thread is running, not parked
        std::unique_lock lk(m_);
        signal_locked(lk);
    }
    bool take_main_wake() noexcept {
        // Acquire: pairs with wake_main.
        return main_woken_.exchange(false, std::memory_order_acquire);
    }
    bool main_woken() const noexcept {
        // Relaxed: only decides whether to park; park() itself synchronises through m_.
        return main_woken_.load(std::memory_order_relaxed);
    }
    void arm_main() noexcept {
        // Relaxed: set and read by the pool's thread.
        main_woken_.store(true, std::memory_order_relaxed);
    }

    void run_ready(bool stop_on_main_wake) noexcept {
        for (;;) {
            // Relaxed: a hint; the lock in drain_incoming orders the queue itself.
            if (has_incoming_.load(std::memory_order_relaxed)) drain_incoming();
            if (local_.empty()) return;
            task_header* t = local_.front();
            local_.pop_front();
            t->run();
            if (stop_on_main_wake && main_woken()) return;
        }
    }

    void park() noexcept {
        std::unique_lock lk(m_);
        while (!notified_) {
            parked_ = true;
            cv_.wait(lk);
            parked_ = false;
        }
        notified_ = false;
    }

    void shut_down() noexcept {
        std::deque<inbound> queued;
        {
            std::lock_guard lk(m_);
            closed_ = true;
            queued.swap(incoming_);
        }
        for (inbound in : queued) {
            if (in.adopted()) owned_.push(in.task());  // spawned remotely, not yet drained: still ours
        }
        task_header* owned = owned_.take_all();
        // Every queued task is also owned, so these releases never free one.
        for (inbound in : queued) in.task()->release();
        for (task_header* t : local_) t->release();
        local_.clear();
        while (owned != nullptr) {
            task_header* next = owned->owned_next;  // shut_down may free `owned`
            owned->shut_down();
            owned = next;
        }
    }

private:
    void push_incoming_locked(inbound in, std::unique_lock<std::mutex>& lk) noexcept {
        incoming_.push_back(in);
        // Relaxed: a hint only (see the file comment).
        has_incoming_.store(true, std::memory_order_relaxed);
        signal_locked(lk);
    }

    void signal_locked(std::unique_lock<std::mutex>& lk) noexcept {
        notified_ = true;
        bool wake = parked_;
        lk.unlock();
        // The caller holds a reference to a task or a main waker, so `this` is still alive.
        if (wake) cv_.notify_one();
    }

    void drain_incoming() noexcept {
        std::lock_guard lk(m_);
        // Popped one by one so that the two queues' memory does not peak together.
        while (!incoming_.empty()) {
            inbound in = incoming_.front();
            incoming_.pop_front();
            if (in.adopted()) owned_.push(in.task());
            local_.push_back(in.task());
        }
        has_incoming_.store(false, std::memory_order_relaxed);
    }

    // The pool's thread only (inside run*, or the destructor).
    std::deque<task_header*> local_;
    owned_list owned_;

    std::atomic<bool> has_incoming_{false};
    std::atomic<bool> main_woken_{false};

    std::mutex m_;
    std::condition_variable cv_;
    std::deque<inbound> incoming_;
    bool notified_ = false;
    bool parked_ = false;
    bool closed_ = false;
};

local_core& core_of(scheduler* s) noexcept { return *static_cast<local_core*>(s); }

raw_waker main_clone(void* p) noexcept {
    static_cast<local_core*>(p)->retain();
    return {p, &main_waker_vtable};
}
void main_wake(void* p) noexcept {
    auto* c = static_cast<local_core*>(p);
    c->wake_main();
    c->release();
}
void main_wake_by_ref(void* p) noexcept { static_cast<local_core*>(p)->wake_main(); }
void main_drop(void* p) noexcept { static_cast<local_core*>(p)->release(); }

const raw_waker_vtable main_waker_vtable{&main_clone, &main_wake, &main_wake_by_ref, &main_drop};

[[noreturn]] void fatal(const char* msg) noexcept {
    std::fprintf(stderr, "%s\n", msg);
    std::abort();
}

}  // namespace
}  // namespace af::detail

namespace af::executor {

local_pool::local_pool() : core_(new detail::local_core()) {}

local_pool::~local_pool() {
    if (detail::current_local == core_) {
        detail::fatal(
            "af: local_pool destroyed from inside one of its own tasks; the running task would be "
            "destroyed under itself. Destroy the pool after run* returns");
    }
    detail::core_of(core_).shut_down();
    core_->release();
}

local_pool::run_scope::run_scope(local_pool& p) : previous_(detail::current_local) {
    if (detail::current_local == p.core_) {
        detail::fatal(
            "af: local_pool run from inside one of its own tasks; the pool is already running on "
            "this thread. Spawn the work or await it instead");
    }
    detail::current_local = &detail::core_of(p.core_);
    detail::core_of(p.core_).arm_main();
}

local_pool::run_scope::~run_scope() { detail::current_local = static_cast<const detail::local_core*>(previous_); }

void local_pool::run() {
    run_scope scope(*this);
    detail::local_core& c = detail::core_of(core_);
    for (;;) {
        c.run_ready(false);
        if (c.all_done()) return;
        c.park();
    }
}

void local_pool::run_until_stalled() {
    run_scope scope(*this);
    detail::core_of(core_).run_ready(false);
}

waker local_pool::main_waker() const {
    core_->retain();
    return waker::from_raw({&detail::core_of(core_), &detail::main_waker_vtable});
}

bool local_pool::take_main_wake() noexcept { return detail::core_of(core_).take_main_wake(); }

void local_pool::run_ready(bool stop_on_main_wake) noexcept { detail::core_of(core_).run_ready(stop_on_main_wake); }

void local_pool::park_unless_main_woken() noexcept {
    detail::local_core& c = detail::core_of(core_);
    if (!c.main_woken()) c.park();
}

}  // namespace af::executor

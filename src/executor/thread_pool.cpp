// SPDX-License-Identifier: MIT
// af::executor::thread_pool: a mutex + condition-variable FIFO shared by N workers.
//
// Protocol (all under `m_`):
//   - queue_ holds run references; owned_ lists every task that has not completed, so shutdown
//     can reach tasks that sit idle waiting for a wake that may never come.
//   - A worker with nothing to do increments sleepers_ and waits on cv_. A push notifies one
//     waiter only when sleepers_ > 0 and no notified worker is still waking up (waking_ == 0),
//     after unlocking (the notified worker does not wake up into a held lock). The woken worker
//     takes a task and, when more remain, wakes the next sleeper the same way: one wake in
//     flight at a time, so a spawning thread is not preempted once per spawn by workers that
//     each run one task and sleep again. A worker re-checks the queue under the lock before
//     waiting, so no push is missed.
//   - Shutdown: set closed_ (push now releases instead of queueing; adopt cancels at once),
//     notify all, join the workers (each finishes its current poll; a poll that ends with a
//     re-queue meets the closed queue and releases), then take the queue and the owned list and
//     cancel every owned task outside the lock: futures' destructors may wake or spawn, which
//     lock `m_` again.
// The core is reference-counted (see detail::scheduler): tasks and spawners keep it alive, so
// a waker woken after the pool is gone finds a closed core instead of freed memory.
#include "af/executor/thread_pool.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace af::detail {
namespace {

class thread_pool_core;
// The pool whose worker this thread is, to catch shutdown from inside the pool.
thread_local const thread_pool_core* current_worker_of = nullptr;

class thread_pool_core final : public scheduler {
public:
    void start(std::size_t n) {
        workers_.reserve(n);
        try {
            for (std::size_t i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
        } catch (...) {
            shutdown();
            throw;
        }
    }

    void schedule(task_header* t) noexcept override {
        std::unique_lock lk(m_);
        if (closed_) {
            lk.unlock();
            t->release();
            return;
        }
        push_locked(t, lk);
    }

    void adopt(task_header* t) noexcept override {
        std::unique_lock lk(m_);
        if (closed_) {
            lk.unlock();
            t->release();    // the run reference: the task never reaches a queue
            t->shut_down();  // drops the future and the owner reference
            return;
        }
        owned_.push(t);
        push_locked(t, lk);
    }

    void disown(task_header* t) noexcept override {
        std::lock_guard lk(m_);
        owned_.remove(t);
    }

    void shutdown() {
        if (current_worker_of == this) {
            std::fprintf(stderr,
                         "af: thread_pool shut down from one of its own tasks; a worker cannot wait for "
                         "itself to stop. Shut the pool down from the thread that owns it\n");
            std::abort();
        }
        std::lock_guard once(shutdown_m_);  // two concurrent shutdowns must not both join
        {
            std::lock_guard lk(m_);
            closed_ = true;
        }
        cv_.notify_all();
        for (std::thread& w : workers_) w.join();
        workers_.clear();

        std::deque<task_header*> queued;
        task_header* owned;
        {
            std::lock_guard lk(m_);
            queued.swap(queue_);
            owned = owned_.take_all();
        }
        // Every queued task is also owned, so these releases never free one.
        for (task_header* t : queued) t->release();
        while (owned != nullptr) {
            task_header* next = owned->owned_next;  // shut_down may free `owned`
            owned->shut_down();
            owned = next;
        }
    }

private:
    void push_locked(task_header* t, std::unique_lock<std::mutex>& lk) noexcept {
        queue_.push_back(t);
        notify_one_unlock(lk);
    }

    // Wakes a sleeping worker unless one is already waking up; unlocks either way. A waking
    // worker takes the first task and, if more are queued, wakes the next sleeper itself, so a
    // burst of pushes costs one wake at a time instead of one per push.
    void notify_one_unlock(std::unique_lock<std::mutex>& lk) noexcept {
        bool wake = sleepers_ > 0 && waking_ == 0 && !queue_.empty();
        if (wake) ++waking_;
        lk.unlock();
        if (wake) cv_.notify_one();
    }

    void work() noexcept {
        current_worker_of = this;
        std::unique_lock lk(m_);
        for (;;) {
            while (queue_.empty() && !closed_) {
                ++sleepers_;
                cv_.wait(lk);
                --sleepers_;
                // Ours, or another's that a spurious wake-up beat: then a later push wakes one
                // more worker than needed, which is harmless. waking_ never stays above zero
                // while nobody is waking, because notify_one always releases some sleeper.
                if (waking_ > 0) --waking_;
            }
            if (closed_) return;
            task_header* t = queue_.front();
            queue_.pop_front();
            notify_one_unlock(lk);  // more work queued: pass the wake on
            t->run();
            lk.lock();
        }
    }

    std::mutex m_;
    std::condition_variable cv_;
    std::deque<task_header*> queue_;
    owned_list owned_;
    std::size_t sleepers_ = 0;
    std::size_t waking_ = 0;  // notified workers that have not yet left cv_.wait
    bool closed_ = false;

    std::mutex shutdown_m_;
    std::vector<std::thread> workers_;
};

thread_pool_core& core_of(scheduler* s) noexcept { return *static_cast<thread_pool_core*>(s); }

std::size_t checked_size(std::size_t n) {
    if (n == 0) throw std::invalid_argument("thread_pool needs at least one thread");
    return n;
}

}  // namespace
}  // namespace af::detail

namespace af::executor {

thread_pool::thread_pool(std::size_t threads) : core_(nullptr), size_(detail::checked_size(threads)) {
    auto* core = new detail::thread_pool_core();
    try {
        core->start(size_);
    } catch (...) {
        core->release();
        throw;
    }
    core_ = core;
}

thread_pool::thread_pool() : thread_pool(std::max(1u, std::thread::hardware_concurrency())) {}

thread_pool::~thread_pool() {
    shutdown();
    core_->release();
}

void thread_pool::shutdown() { detail::core_of(core_).shutdown(); }

}  // namespace af::executor

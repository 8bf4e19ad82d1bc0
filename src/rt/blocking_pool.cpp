// SPDX-License-Identifier: MIT
// af::rt::detail::blocking_pool: threads on demand for blocking jobs.
//
// Protocol (everything below is guarded by `m_`):
//   - queue_ holds run references of queued jobs. A job's future is ready on its first poll,
//     so a job is never idle: it is queued, running on one thread, or complete. Hence no owned
//     list: shutdown reaches every unfinished job through the queue, and the running ones
//     finish by themselves.
//   - Push: when `idle_ > 0`, claim one idle thread (`--idle_`, `++notified_`) and notify the
//     condition variable; otherwise start a thread if `threads_ < max_threads_`. A waiting
//     thread that wakes takes a claim when `notified_ > 0` (whoever takes it, the count of
//     unclaimed idle threads stays right, and spurious wake-ups cannot steal work); otherwise,
//     at its keep-alive deadline, it removes itself from `idle_` and exits. It checks for a
//     claim before the deadline, so a claim made just as it times out is honoured.
//   - Threads are std::threads kept in `slots_` and joined by whoever next starts a thread or
//     by shutdown, once they marked themselves finished (a thread cannot join itself). Joining
//     matters: it is the only way to know that a thread's on_stop hook and thread-local
//     destructors are done before the pool reports it stopped.
//   - Shutdown: set closed_ (schedule/adopt now cancel), take the queue and cancel its jobs
//     outside the lock (a future's destructor may spawn, which locks again), wake every idle
//     thread, wait up to the timeout for the threads not yet detached, join the finished ones
//     and detach the rest. A detached thread holds a reference to the core (the scheduler base
//     counts them), so it finishes its job and exits against live memory; it removes its own
//     slot since nobody will join it.
#include "af/rt/detail/blocking_pool.hpp"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace af::rt::detail {

void apply_thread_name(const std::string& name) noexcept {
    if (name.empty()) return;
    char buf[16];
    std::size_t n = name.copy(buf, sizeof buf - 1);
    buf[n] = '\0';
    (void)pthread_setname_np(pthread_self(), buf);  // best effort: a name is a debugging aid
}

class blocking_core;

namespace {
// The pool whose thread this is, to catch a shutdown that would wait for itself.
thread_local const blocking_core* current_thread_of = nullptr;
}  // namespace

class blocking_core final : public af::detail::scheduler {
public:
    blocking_core(std::size_t max_threads, std::chrono::nanoseconds keep_alive, thread_config cfg,
                  runtime_context ctx)
        : max_threads_(max_threads),
          // Clamped so that now() + keep_alive cannot overflow steady_clock (a century is "for ever").
          keep_alive_(std::min<std::chrono::nanoseconds>(keep_alive, std::chrono::hours(24 * 365 * 100))),
          cfg_(std::move(cfg)),
          ctx_(ctx) {}

    std::atomic<std::size_t> in_flight{0};

    void schedule(af::detail::task_header* t) noexcept override {
        // Only adopt() queues a job in practice (jobs never wait on a waker); this path keeps
        // the scheduler contract for wakes and aborts all the same.
        std::unique_lock lk(m_);
        if (closed_) {
            lk.unlock();
            t->release();    // the run reference
            t->shut_down();  // nobody runs it: drop the future, complete as cancelled
            return;
        }
        push_locked(t, lk);
    }

    void adopt(af::detail::task_header* t) noexcept override { schedule(t); }

    void disown(af::detail::task_header*) noexcept override {}

    void shutdown(std::chrono::nanoseconds timeout) {
        if (current_thread_of == this) {
            std::fprintf(stderr,
                         "af: blocking pool shut down from one of its own jobs; a thread cannot wait for "
                         "itself to stop. Shut the runtime down from outside it\n");
            std::abort();
        }
        std::deque<af::detail::task_header*> queued;
        std::unique_lock lk(m_);
        if (!closed_) {
            closed_ = true;
            queued.swap(queue_);
            idle_ = 0;
            notified_ = 0;
        }
        lk.unlock();
        cv_.notify_all();
        for (af::detail::task_header* t : queued) {
            t->release();    // the run reference; the handle and owner references remain
            t->shut_down();  // drops the future (in_flight goes down) and the owner reference
        }

        lk.lock();
        auto none_waitable = [this] { return waitable_ == 0; };
        // A huge timeout would overflow steady_clock's deadline: treat it as no timeout.
        if (timeout >= std::chrono::hours(24 * 365)) {
            exited_cv_.wait(lk, none_waitable);
        } else {
            exited_cv_.wait_for(lk, timeout, none_waitable);
        }
        std::vector<std::thread> to_join = take_finished_locked();
        for (slot& s : slots_) {
            if (!s.finished && !s.detached) {
                s.detached = true;
                s.thread.detach();
                --waitable_;
            }
        }
        lk.unlock();
        join_all(to_join);
    }

    std::size_t threads() const {
        std::lock_guard lk(m_);
        return threads_;
    }
    std::size_t idle_threads() const {
        std::lock_guard lk(m_);
        return idle_;
    }
    std::size_t queued() const {
        std::lock_guard lk(m_);
        return queue_.size();
    }

private:
    struct slot {
        std::thread thread;
        bool finished = false;  // the thread is past its last use of the pool's lock
        bool detached = false;  // shutdown gave up waiting: the thread removes its own slot
    };

    void push_locked(af::detail::task_header* t, std::unique_lock<std::mutex>& lk) noexcept {
        queue_.push_back(t);
        if (idle_ > 0) {
            --idle_;
            ++notified_;
            lk.unlock();
            cv_.notify_one();
            return;
        }
        if (threads_ == max_threads_) return;  // a busy thread takes it when it is done

        std::vector<std::thread> to_join = take_finished_locked();
        bool started = start_thread_locked();
        std::deque<af::detail::task_header*> orphans;
        if (!started && threads_ == 0) {
            // No thread exists and none can be started: nothing would ever run the queue, so
            // cancel it rather than leave its handles waiting for ever.
            orphans.swap(queue_);
        }
        lk.unlock();
        join_all(to_join);
        for (af::detail::task_header* o : orphans) {
            o->release();
            o->shut_down();
        }
    }

    bool start_thread_locked() noexcept {
        auto it = slots_.emplace(slots_.end());
        retain();  // the thread's reference, released as its last action
        try {
            it->thread = std::thread([this, it] { thread_main(it); });
        } catch (...) {
            slots_.erase(it);
            release();
            return false;
        }
        ++threads_;
        ++waitable_;
        return true;
    }

    std::vector<std::thread> take_finished_locked() {
        std::vector<std::thread> out;
        for (auto it = slots_.begin(); it != slots_.end();) {
            if (it->finished && !it->detached) {
                out.push_back(std::move(it->thread));
                it = slots_.erase(it);
            } else {
                ++it;
            }
        }
        return out;
    }

    static void join_all(std::vector<std::thread>& ts) noexcept {
        for (std::thread& t : ts) {
            try {
                t.join();
            } catch (...) {  // cannot happen for a joinable thread that is not this one
            }
        }
    }

    void thread_main(std::list<slot>::iterator self) noexcept {
        current_thread_of = this;
        apply_thread_name(cfg_.name);
        {
            context_scope scope(ctx_);
            if (cfg_.on_start) cfg_.on_start();
            work();
            if (cfg_.on_stop) cfg_.on_stop();
        }
        {
            std::lock_guard lk(m_);
            if (self->detached) {
                slots_.erase(self);
            } else {
                self->finished = true;
                --waitable_;
                if (waitable_ == 0) exited_cv_.notify_all();
            }
        }
        current_thread_of = nullptr;
        release();  // may free the core when the pool and every job are gone
    }

    void work() noexcept {
        std::unique_lock lk(m_);
        for (;;) {
            while (!queue_.empty()) {
                af::detail::task_header* t = queue_.front();
                queue_.pop_front();
                lk.unlock();
                t->run();  // calls the job's function, or drops it when aborted
                lk.lock();
            }
            if (closed_) break;
            if (!wait_for_claim(lk)) break;
        }
        --threads_;
    }

    // Idles until a push claims this thread (true) or keep-alive runs out or the pool closes
    // (false, with this thread no longer counted idle).
    bool wait_for_claim(std::unique_lock<std::mutex>& lk) {
        ++idle_;
        auto deadline = std::chrono::steady_clock::now() + keep_alive_;
        for (;;) {
            bool timed_out = cv_.wait_until(lk, deadline) == std::cv_status::timeout;
            if (closed_) return false;  // shutdown zeroed idle_ and notified_
            if (notified_ > 0) {
                --notified_;  // the pusher already took us out of idle_
                return true;
            }
            if (timed_out || std::chrono::steady_clock::now() >= deadline) {
                --idle_;
                return false;
            }
        }
    }

    const std::size_t max_threads_;
    const std::chrono::nanoseconds keep_alive_;
    const thread_config cfg_;
    const runtime_context ctx_;

    mutable std::mutex m_;
    std::condition_variable cv_;         // idle threads wait here for a claim
    std::condition_variable exited_cv_;  // shutdown waits here for waitable_ == 0
    std::deque<af::detail::task_header*> queue_;
    std::list<slot> slots_;     // list: a thread keeps an iterator to its own slot
    std::size_t threads_ = 0;   // started and not yet past their last job
    std::size_t idle_ = 0;      // waiting and not claimed
    std::size_t notified_ = 0;  // claims not yet taken by a waking thread
    std::size_t waitable_ = 0;  // slots neither finished nor detached
    bool closed_ = false;
};

namespace {
std::size_t checked_max(std::size_t n) {
    if (n == 0) throw std::invalid_argument("blocking pool needs at least one thread");
    return n;
}
runtime_context with_pool(runtime_context ctx, blocking_pool* self) noexcept {
    if (ctx.blocking == nullptr) ctx.blocking = self;
    return ctx;
}
}  // namespace

blocking_pool::blocking_pool(std::size_t max_threads, std::chrono::nanoseconds keep_alive, thread_config cfg,
                             runtime_context ctx)
    : core_(new blocking_core(checked_max(max_threads), keep_alive, std::move(cfg), with_pool(ctx, this))),
      sched_(core_),
      in_flight_(&core_->in_flight),
      max_threads_(max_threads) {}

blocking_pool::~blocking_pool() {
    shutdown(no_timeout);
    core_->release();
}

void blocking_pool::shutdown(std::chrono::nanoseconds timeout) { core_->shutdown(timeout); }

std::size_t blocking_pool::threads() const noexcept { return core_->threads(); }
std::size_t blocking_pool::idle_threads() const noexcept { return core_->idle_threads(); }
std::size_t blocking_pool::queued() const noexcept { return core_->queued(); }

}  // namespace af::rt::detail

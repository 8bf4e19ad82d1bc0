// SPDX-License-Identifier: MIT
// The multi_thread flavor: work-stealing workers.
//
// Each worker owns a local_queue (256 slots) and a LIFO slot; one injection queue is shared.
//   - A task woken by the task a worker is running goes to that worker's LIFO slot and runs
//     next (message passing: the receiver runs while the message is hot in cache); the LIFO
//     slot's previous occupant moves to the back of the local queue. At most 3 LIFO tasks run
//     in a row so that two tasks ping-ponging cannot starve the queue. A searcher that finds a
//     victim's queue empty takes its LIFO slot (issue 21): the owner may be blocked in a poll.
//   - A task that wakes itself (yield) and a new spawn go to the back of the local queue. A full
//     local queue moves its older half to the injection queue.
//   - Every 31 ticks a worker takes from the injection queue before its own queue (fairness
//     for remote spawns); every 61 ticks it fires due timers even when busy.
//   - A worker without work becomes a *searcher* (at most half the workers search at once) and
//     steals half of another worker's queue, starting at a random victim, then looks at the
//     injection queue. The last searcher to find work wakes one parked worker, so that a burst
//     of work fans out one worker at a time instead of waking everyone (no thundering herd).
//   - A worker that finds nothing parks. One parked worker at a time sleeps on the driver (the
//     timers and the reactor), the others on their own condition variables. When the driver's
//     sleeper leaves it to run tasks, it hands the driver to a condition-variable sleeper
//     (driver_slot in idle.hpp, issue 21): a worker that runs tasks may block in user code, and
//     must not take the I/O and timers of every other task with it.
//   - New work from outside, or from a worker whose queue has stealable work, wakes one parked
//     worker only when no worker is searching (a searcher will find it).
// Idle accounting is one atomic word (unparked workers << 16 | searching workers) plus a
// sleeper list under a mutex, in src/rt/idle.hpp with the worker parker and the ordering
// argument of the handshake between a notifier and a parking worker (issue 11). Atomics and
// locks go through af::detail::sync so that tests/model can check that code alone.
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "af/core/coop.hpp"
#include "idle.hpp"
#include "internal.hpp"
#include "local_queue.hpp"

namespace af::rt::detail {
namespace {

class mt_core;
struct worker;
thread_local worker* current_worker = nullptr;

struct worker {
    mt_core* core = nullptr;
    std::size_t id = 0;
    local_queue queue;
    // Filled by this worker only; thieves may empty it (issue 21: see steal()). Exchanges, so
    // that a task is taken once. acq_rel on the owner's fill: its release publishes the task to
    // a thief, its acquire covers the occupant it displaces (filled by this worker, or read back
    // as null after a thief's take, which carries nothing to acquire; one order reads simpler).
    sync::atomic<task_header*> lifo{nullptr};
    // Set by a thief that emptied `lifo`: the owner is probably blocked in a poll, so its next
    // fill of the empty slot wakes a worker (fill_lifo). Without it, the thief could run the
    // stolen task, find nothing else and park, and a task the blocked owner spawns next would
    // sit in the slot until the block ends (a stealable slot is only useful if someone looks).
    sync::atomic<bool> lifo_stolen{false};
    task_header* current = nullptr;  // the task being polled
    poll_slot* watched = nullptr;    // where the blocking watchdog sees our polls; null when off
    bool searching = false;
    bool parking = false;  // inside park: wakes from here must go through the injection queue
    std::uint32_t tick = 0;
    std::uint64_t rng = 0;
    worker_parker parker;
    std::thread thread;
    // Metrics: written by this worker only, read relaxed by snapshots.
    sync::atomic<std::uint64_t> polls{0};
    sync::atomic<std::uint64_t> steals{0};
    sync::atomic<std::uint64_t> stolen{0};
    sync::atomic<std::uint64_t> parks{0};
    sync::atomic<std::uint64_t> budget_yields{0};
    sync::atomic<std::uint64_t> spawned{0};
};

class mt_core final : public af::detail::scheduler {
public:
    mt_core(const config& c, runtime_context ctx)
        : cfg_(c), ctx_(ctx), driver_(ctx.time, ctx.io), idle_(c.workers), workers_(c.workers) {
        for (std::size_t i = 0; i < workers_.size(); ++i) {
            workers_[i] = std::make_unique<worker>();
            workers_[i]->core = this;
            workers_[i]->id = i;
            workers_[i]->rng = 0x9e3779b97f4a7c15ull * (i + 1);
            if (cfg_.watch) workers_[i]->watched = &(*cfg_.watch)[i];
        }
    }

    void start() {
        for (auto& w : workers_) {
            worker* wp = w.get();
            wp->thread = start_thread(cfg_, [this, wp] { run_worker(*wp); });
        }
    }

    void schedule(task_header* t) noexcept override {
        worker* w = current_worker;
        if (w != nullptr && w->core == this && !w->parking) {
            if (t == w->current || !cfg_.lifo) {
                push_local(*w, t);  // a yield: to the back
                notify_one();
                return;
            }
            fill_lifo(*w, t);
            return;
        }
        if (!inject_.push(t)) {
            t->release();
            return;
        }
        notify_one();
    }

    void adopt(task_header* t) noexcept override {
        if (!owned_.push(t)) {
            t->release();
            t->shut_down();
            return;
        }
        worker* w = current_worker;
        if (w != nullptr && w->core == this && !w->parking) {
            // Relaxed: metrics.
            w->spawned.fetch_add(1, std::memory_order_relaxed);
            if (cfg_.lifo) {
                // Like a wake: the new task runs next on this worker, where its spawner's data
                // is in cache, and another worker is woken only when something stealable was
                // queued. Waking one for every spawn made a spawn-then-await chain on two
                // workers park and unpark ~70,000 times per million levels.
                fill_lifo(*w, t);
                return;
            }
            push_local(*w, t);
        } else {
            remote_spawned_.fetch_add(1, std::memory_order_relaxed);  // Relaxed: metrics
            if (!inject_.push(t)) {
                t->release();
                return;  // closed meanwhile: shutdown's drain of owned_ cancels it
            }
        }
        notify_one();
    }

    void disown(task_header* t) noexcept override { owned_.remove(t); }

    bool is_worker_thread() const noexcept {
        return current_worker != nullptr && current_worker->core == this;
    }

    void shutdown() {
        if (is_worker_thread()) {
            std::fputs("af: runtime shut down from one of its own tasks; shut it down from the thread that owns it\n",
                       stderr);
            std::abort();
        }
        // Release: workers that see the flag also see everything before it.
        closed_.store(true, std::memory_order_release);
        for (auto& w : workers_) w->parker.unpark(driver_);
        for (auto& w : workers_) {
            if (w->thread.joinable()) w->thread.join();
        }
        for (task_header* t : inject_.close()) t->release();
        for (auto& w : workers_) {
            if (task_header* t = w->lifo.exchange(nullptr, std::memory_order_acquire)) t->release();
            while (task_header* t = w->queue.pop()) t->release();
        }
        owned_.close_and_drain([](task_header* t) { t->shut_down(); });
    }

    void add_metrics(runtime_metrics& m) const {
        // Relaxed loads: see metrics.hpp.
        m.workers = workers_.size();
        m.tasks_alive = owned_.size();
        m.global_queue_depth = inject_.size();
        m.tasks_spawned = remote_spawned_.load(std::memory_order_relaxed);
        for (const auto& w : workers_) {
            m.local_queue_depths.push_back(w->queue.size());
            m.polls += w->polls.load(std::memory_order_relaxed);
            m.steals += w->steals.load(std::memory_order_relaxed);
            m.stolen_tasks += w->stolen.load(std::memory_order_relaxed);
            m.parks += w->parks.load(std::memory_order_relaxed);
            m.budget_yields += w->budget_yields.load(std::memory_order_relaxed);
            m.tasks_spawned += w->spawned.load(std::memory_order_relaxed);
        }
    }

    void dump(std::vector<task_dump>& out) {
        owned_.for_each([&](task_header* t) { dump_task(t, out); });
    }

private:
    void push_local(worker& w, task_header* t) noexcept {
        if (w.queue.push_back(t)) return;
        // Full: move the older half and `t` to the injection queue in one lock.
        task_header* batch[local_queue::capacity / 2 + 1];
        std::uint32_t n = w.queue.pop_half(batch);
        batch[n++] = t;
        if (!inject_.push_batch(batch, n)) {
            for (std::uint32_t i = 0; i < n; ++i) batch[i]->release();
        }
    }

    void notify_one() noexcept {
        std::ptrdiff_t id = idle_.worker_to_notify();
        if (id >= 0) workers_[static_cast<std::size_t>(id)]->parker.unpark(driver_);
    }

    bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }  // Acquire: see shutdown

    void run_worker(worker& w) {
        current_worker = &w;
        context_scope scope(ctx_);
        while (!closed()) {
            ++w.tick;
            if (w.tick % cfg_.event_interval == 0) driver_.poll_events();
            if (task_header* t = next_task(w)) {
                run_task(w, t);
                continue;
            }
            if (task_header* t = steal(w)) {
                run_task(w, t);
                continue;
            }
            park(w);
        }
        current_worker = nullptr;
    }

    task_header* next_task(worker& w) {
        if (w.tick % cfg_.global_interval == 0) {
            if (task_header* t = inject_.pop()) return t;
        }
        if (task_header* t = take_lifo(w)) return t;
        if (task_header* t = w.queue.pop()) return t;
        return take_from_inject(w);
    }

    // The relaxed load skips the exchange (a write to the slot's cache line) when the slot is
    // empty, the common case after a poll; the exchange's acquire pairs with the release of
    // whoever filled the slot.
    // The owner puts `t` in its LIFO slot. The occupant it displaces goes to the ring and wakes a
    // worker (there is something to steal); an empty slot wakes one only if a thief emptied it.
    void fill_lifo(worker& w, task_header* t) noexcept {
        if (task_header* prev = w.lifo.exchange(t, std::memory_order_acq_rel)) {
            push_local(w, prev);
            notify_one();
            return;
        }
        // Relaxed load first: the common case (no theft) pays no RMW. The exchange takes the
        // flag once; a theft racing this fill is seen by the thief's next search instead.
        if (w.lifo_stolen.load(std::memory_order_relaxed) &&
            w.lifo_stolen.exchange(false, std::memory_order_relaxed)) {
            notify_one();
        }
    }

    static task_header* take_lifo(worker& w) noexcept {
        if (w.lifo.load(std::memory_order_relaxed) == nullptr) return nullptr;
        return w.lifo.exchange(nullptr, std::memory_order_acquire);
    }

    // Takes a fair share of the injection queue: one to run now, more into the local queue.
    task_header* take_from_inject(worker& w) {
        if (inject_.empty_hint()) return nullptr;
        std::size_t want = inject_.size() / workers_.size() + 1;
        if (want > local_queue::capacity / 2) want = local_queue::capacity / 2;
        task_header* batch[local_queue::capacity / 2];
        std::size_t n = inject_.pop_batch(batch, want);
        if (n == 0) return nullptr;
        for (std::size_t i = 1; i < n; ++i) push_local(w, batch[i]);
        return batch[0];
    }

    task_header* steal(worker& w) {
        if (!w.searching) {
            if (!idle_.to_searching()) return nullptr;
            w.searching = true;
        }
        std::size_t n = workers_.size();
        std::size_t start = static_cast<std::size_t>(next_rand(w) % n);
        task_header* batch[local_queue::capacity / 2];
        for (std::size_t i = 0; i < n; ++i) {
            worker& victim = *workers_[(start + i) % n];
            if (&victim == &w) continue;
            std::uint32_t got = victim.queue.steal_half(batch);
            if (got == 0) {
                // The victim's LIFO slot, once its queue is empty (issue 21). A task waits there
                // only while its owner is inside a poll (the owner takes it as soon as the poll
                // returns), so a searcher that finds it has nothing better to do, and the owner
                // may be blocked in user code: without this, the task would wait for that call to
                // return however many workers are free.
                if (task_header* t = take_lifo(victim)) {
                    victim.lifo_stolen.store(true, std::memory_order_relaxed);  // a hint: fill_lifo
                    // Relaxed: metrics.
                    w.steals.fetch_add(1, std::memory_order_relaxed);
                    w.stolen.fetch_add(1, std::memory_order_relaxed);
                    return t;
                }
                continue;
            }
            // Relaxed: metrics.
            w.steals.fetch_add(1, std::memory_order_relaxed);
            w.stolen.fetch_add(got, std::memory_order_relaxed);
            // Cannot overflow: we steal only after next_task found our queue empty, only this
            // thread pushes to it (stealers only take), and got - 1 < capacity / 2. push_local
            // rather than a bare push_back anyway (issue 11, defect 4): were that order to
            // change, the excess would go to the injection queue instead of being lost.
            assert(w.queue.size() == 0 && "af: a worker steals only with an empty local queue");
            for (std::uint32_t k = 1; k < got; ++k) push_local(w, batch[k]);
            return batch[0];
        }
        return take_from_inject(w);
    }

    void run_task(worker& w, task_header* t) {
        if (w.searching) {
            w.searching = false;
            // The last searcher found work. If more is waiting, wake another worker to search
            // for it; if not, waking one would only make it park again (a spawn onto an idle
            // runtime wakes exactly one worker).
            if (idle_.from_searching() && work_pending()) notify_one();
        }
        coop::budget_scope budget(cfg_.budget);
        for (int lifo_runs = 0;; ++lifo_runs) {
            w.current = t;
            // Counted before the poll: a task's last poll may complete its handle, and whoever
            // awaited it may read the metrics before this worker would get to count after.
            // Relaxed: metrics.
            w.polls.fetch_add(1, std::memory_order_relaxed);
            if (w.watched != nullptr) w.watched->begin(t);
            t->run();
            if (w.watched != nullptr) w.watched->end();
            w.current = nullptr;
            if (!coop::has_budget_remaining()) {
                w.budget_yields.fetch_add(1, std::memory_order_relaxed);
                break;
            }
            if (lifo_runs == 2 && w.lifo.load(std::memory_order_relaxed) != nullptr) {
                // Enough LIFO turns: queue it behind what waits here, and let that run. Another
                // worker is worth waking only when this one has other work first: with an empty
                // queue the task runs next here anyway, and waking a worker every third turn
                // made a spawn-then-await chain on two workers park and unpark ~40,000 times
                // per million levels.
                bool others_waiting = w.queue.size() > 0;
                if (task_header* next = take_lifo(w)) push_local(w, next);
                if (others_waiting) notify_one();
                break;
            }
            t = take_lifo(w);
            if (t == nullptr) break;  // nothing woken by that poll, or a thief took it
        }
    }

    bool work_pending() const noexcept {
        if (!inject_.empty_hint()) return true;
        for (const auto& w : workers_) {
            if (w->queue.size() > 0) return true;
        }
        return false;
    }

    void park(worker& w) {
        bool was_searching = std::exchange(w.searching, false);
        if (idle_.to_parked(w.id, was_searching) && work_pending()) notify_one();
        if (closed()) {
            idle_.from_parked(w.id);
            return;
        }
        // Relaxed: metrics.
        w.parks.fetch_add(1, std::memory_order_relaxed);
        w.parking = true;
        w.parker.park(driver_slot_, driver_, false);
        w.parking = false;
        if (idle_.from_parked(w.id)) w.searching = true;  // woken for work: search for it
    }

    static std::uint64_t next_rand(worker& w) noexcept {
        // xorshift64: enough to spread the first steal victim.
        std::uint64_t x = w.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return w.rng = x;
    }

    config cfg_;
    runtime_context ctx_;
    driver driver_;
    driver_slot driver_slot_;  // who parks on the driver, and who takes it over (idle.hpp)
    idle idle_;
    inject_queue inject_;
    owned_tasks owned_;
    std::vector<std::unique_ptr<worker>> workers_;
    sync::atomic<bool> closed_{false};
    sync::atomic<std::uint64_t> remote_spawned_{0};
};

// The multi_thread runtime: the workers, plus block_on on the caller's thread.
class multi_thread_runtime final : public runtime_core {
public:
    explicit multi_thread_runtime(config c) : cfg_(std::move(c)), services_(cfg_, this) {
        core_ = new mt_core(cfg_, services_.context(this));
        core_->start();
    }
    ~multi_thread_runtime() override { core_->release(); }

    af::detail::scheduler& spawn_target() noexcept override { return *core_; }
    af::detail::scheduler* local_target() noexcept override { return nullptr; }

    void drive(void* f, bool (*poll)(void*, context&) noexcept) override {
        if (core_->is_worker_thread()) {
            std::fputs("af: block_on called from inside a runtime's task; a worker cannot wait for itself\n", stderr);
            std::abort();
        }
        context_scope scope(services_.context(this));
        block_on_caller(f, poll, cfg_.budget);
    }

    void shutdown(std::chrono::nanoseconds timeout) noexcept override {
        std::lock_guard lk(shutdown_m_);
        if (closed_) return;
        closed_ = true;
        context_scope scope(services_.context(this));
        core_->shutdown();
        services_.shutdown(timeout);
    }

    runtime_metrics metrics() const override {
        runtime_metrics m;
        core_->add_metrics(m);
        fill_common_metrics(m, services_.time.get(), services_.blocking.get());
        return m;
    }

    std::vector<task_dump> dump() override {
        std::vector<task_dump> out;
        core_->dump(out);
        add_running_info(out, cfg_.watch.get());
        return out;
    }

private:
    config cfg_;
    services services_;
    mt_core* core_;
    std::mutex shutdown_m_;
    bool closed_ = false;
};

}  // namespace

runtime_core* make_multi_thread(config c) { return new multi_thread_runtime(std::move(c)); }

}  // namespace af::rt::detail

// SPDX-License-Identifier: MIT
// The current_thread scheduler (see current_thread.hpp) and the current_thread runtime.
#include "current_thread.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "af/core/coop.hpp"
#include "af/core/wakeable.hpp"
#include "af/future/select.hpp"

namespace af::rt::detail {
namespace {

thread_local ct_core* current_ct = nullptr;

// splitmix64: a tiny, well-mixed generator; reproducibility, not quality, is what matters.
std::uint64_t next_random(std::uint64_t& s) noexcept {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

}  // namespace

// Wakes the future given to drive(): sets a flag and unparks the driving thread. Reference
// counted (wakeable), so a waker kept after drive returned stays harmless.
struct ct_main_waker final : wakeable {
    explicit ct_main_waker(ct_core* c) noexcept : core(c) { core->retain(); }
    ~ct_main_waker() override { core->release(); }
    void wake() noexcept override { core->unpark_main(); }
    ct_core* core;
};

ct_core::ct_core(const config& c, runtime_core* rt, af::time::detail::time_driver* time, blocking_pool* blocking,
                 reactor* io)
    : cfg_(c), ctx_{rt, time, blocking, io}, driver_(time, io), blocking_(blocking) {
    if (c.seed) {
        seeded_ = true;
        rng_state_ = *c.seed;
    }
}

ct_core* ct_core::current() noexcept { return current_ct; }
bool ct_core::is_current() const noexcept { return current_ct == this; }

void ct_core::schedule(task_header* t) noexcept {
    if (current_ct == this) {
        local_.push_back(t);
        // Relaxed: a metrics counter.
        local_depth_.store(local_.size(), std::memory_order_relaxed);
        return;
    }
    if (!inject_.push(t)) {
        t->release();  // closed: the task was or will be cancelled by close()
        return;
    }
    driver_.unpark();
}

void ct_core::adopt(task_header* t) noexcept {
    // Relaxed: a metrics counter.
    spawned_.fetch_add(1, std::memory_order_relaxed);
    if (!owned_.push(t)) {
        t->release();    // the run reference: the task never reaches a queue
        t->shut_down();  // drops the future and the owner reference
        return;
    }
    schedule(t);
}

void ct_core::disown(task_header* t) noexcept { owned_.remove(t); }

void ct_core::unpark_main() noexcept {
    if (current_ct == this) {
        // From the driving thread (a yield, a task of this core sending to the main future):
        // a plain flag the loop reads before it parks; no kernel (ADR 0026). Not main_woken_:
        // a store there would end the release sequence of a remote wake's store, and the poll
        // that follows would not be ordered after that wake's writes.
        main_self_woken_ = true;
        return;
    }
    // Release: the waker's writes are visible to the poll this wake causes (acquire below).
    main_woken_.store(true, std::memory_order_release);
    driver_.unpark();
}

void ct_core::stop() noexcept {
    // Release/acquire pair with drive's check; the flag carries no data, but keep it simple.
    stop_.store(true, std::memory_order_release);
    driver_.unpark();
}

bool ct_core::drain_inject() {
    task_header* batch[64];
    bool any = false;
    while (std::size_t n = inject_.pop_batch(batch, 64)) {
        local_.insert(local_.end(), batch, batch + n);
        any = true;
    }
    return any;
}

task_header* ct_core::next_task() {
    if (local_.empty() && !drain_inject()) return nullptr;
    task_header* t;
    if (seeded_ && local_.size() > 1) {
        std::size_t i = next_random(rng_state_) % local_.size();
        t = local_[i];
        local_[i] = local_.front();
        local_.pop_front();
    } else {
        t = local_.front();
        local_.pop_front();
    }
    local_depth_.store(local_.size(), std::memory_order_relaxed);  // Relaxed: metrics
    return t;
}

void ct_core::run_task(task_header* t) {
    coop::budget_scope budget(cfg_.budget);
    // Relaxed: metrics counters, written by this thread only. Counted before the poll, as in
    // multi_thread.cpp (a completed handle must not be seen before its poll is counted).
    polls_.fetch_add(1, std::memory_order_relaxed);
    t->run();
    if (!coop::has_budget_remaining()) budget_yields_.fetch_add(1, std::memory_order_relaxed);
}

void ct_core::drive(void* main, bool (*main_poll)(void*, context&) noexcept) {
    if (current_ct != nullptr) {
        std::fputs("af: block_on called from inside a runtime's task; a worker cannot wait for itself\n", stderr);
        std::abort();
    }
    context_scope scope(ctx_);
    current_ct = this;
    struct reset_current {
        ~reset_current() { current_ct = nullptr; }
    } reset;
    // Seeded mode replays select's choices too: its per-thread start generator restarts from
    // the seed at each block_on, whatever ran on this thread before (ADR 0013).
    if (cfg_.seed) af::detail::reseed_select(*cfg_.seed);
    // Tasks queued from this thread while it was not driving went through inject_.
    wakeable_ptr<ct_main_waker> mw = make_wakeable<ct_main_waker>(this);
    waker main_waker = waker::from(*mw);
    main_self_woken_ = main != nullptr;  // the first poll
    // The blocking watchdog's view of this thread's polls (null when off, or when every slot is
    // driven by another thread).
    struct watched_slot {
        poll_slot* p;
        ~watched_slot() { poll_slots::unclaim(p); }
    } watched{cfg_.watch ? cfg_.watch->claim() : nullptr};

    // Polls (tasks and the main future) since the driver last looked for timers and I/O.
    unsigned since_events = 0;
    for (;;) {
        // Acquire: pairs with unpark_main's release. The relaxed look first spares a locked
        // read-modify-write on every turn no other thread woke the main future. Both flags are
        // taken (no short circuit): one poll answers both wakes.
        bool self_woken = std::exchange(main_self_woken_, false);
        bool remote_woken =
            main_woken_.load(std::memory_order_relaxed) && main_woken_.exchange(false, std::memory_order_acquire);
        if (main != nullptr && (self_woken || remote_woken)) {
            ++since_events;
            coop::budget_scope budget(cfg_.budget);
            context cx(main_waker);
            if (watched.p != nullptr) watched.p->begin(nullptr);
            bool done = main_poll(main, cx);
            if (watched.p != nullptr) watched.p->end();
            if (done) return;
        }
        if (main == nullptr && stop_.load(std::memory_order_acquire)) return;  // Acquire: see stop()

        bool ran_all = true;
        for (unsigned i = 0; i < cfg_.event_interval; ++i) {
            ++tick_;
            if (tick_ % cfg_.global_interval == 0) drain_inject();
            task_header* t = next_task();
            if (t == nullptr) {
                ran_all = false;
                break;
            }
            if (watched.p != nullptr) watched.p->begin(t);
            run_task(t);
            if (watched.p != nullptr) watched.p->end();
            ++since_events;
        }
        // Relaxed: a hint; the exchange above is what orders the poll.
        if (ran_all || !local_.empty() || main_self_woken_ || main_woken_.load(std::memory_order_relaxed)) {
            // Busy: still look at timers and I/O every event_interval polls, so that a busy
            // queue (or a main future that keeps waking itself) cannot starve them; not on
            // every turn, as that would be a system call per yield of the main future.
            if (since_events >= cfg_.event_interval) {
                since_events = 0;
                driver_.poll_events();
            }
            continue;
        }
        if (drain_inject()) continue;
        since_events = 0;  // park looks at timers and I/O
        // Relaxed: metrics.
        parks_.fetch_add(1, std::memory_order_relaxed);
        // Auto-advance of a paused clock only when nothing else can make progress: no task
        // here and no blocking job whose completion would wake one.
        driver_.park(!blocking_busy(blocking_));
    }
}

void ct_core::close() noexcept {
    for (task_header* t : inject_.close()) t->release();
    for (task_header* t : local_) t->release();
    local_.clear();
    owned_.close_and_drain([](task_header* t) { t->shut_down(); });
    // Futures destroyed above may have woken other tasks of this core: those wakes met the
    // closed injection queue, or (from this thread, not driving) the same; nothing is queued.
}

void ct_core::add_metrics(runtime_metrics& m) const {
    // Relaxed loads: a snapshot of independent counters (see metrics.hpp).
    m.tasks_alive += owned_.size();
    m.global_queue_depth += inject_.size();
    m.local_queue_depths.push_back(local_depth_.load(std::memory_order_relaxed));
    m.tasks_spawned += spawned_.load(std::memory_order_relaxed);
    m.polls += polls_.load(std::memory_order_relaxed);
    m.parks += parks_.load(std::memory_order_relaxed);
    m.budget_yields += budget_yields_.load(std::memory_order_relaxed);
}

namespace {

// The current_thread runtime: one core, driven by whichever thread is in block_on.
class current_thread_runtime final : public runtime_core {
public:
    explicit current_thread_runtime(config c) : cfg_(std::move(c)), services_(cfg_, this) {
        core_ = new ct_core(cfg_, this, services_.time.get(), services_.blocking.get(), services_.io.get());
    }
    ~current_thread_runtime() override { core_->release(); }

    af::detail::scheduler& spawn_target() noexcept override { return *core_; }
    af::detail::scheduler* local_target() noexcept override { return core_->is_current() ? core_ : nullptr; }

    void drive(void* f, bool (*poll)(void*, context&) noexcept) override {
        // One driver at a time: a second block_on waits for the first to finish.
        std::lock_guard lk(drive_m_);
        core_->drive(f, poll);
    }

    void shutdown(std::chrono::nanoseconds timeout) noexcept override {
        std::lock_guard lk(drive_m_);
        if (closed_) return;
        closed_ = true;
        {
            // Futures dropped here may look up the runtime (e.g. a timer unregistering).
            context_scope scope(services_.context(this));
            core_->close();
        }
        services_.shutdown(timeout);
    }

    runtime_metrics metrics() const override {
        runtime_metrics m;
        m.workers = 0;
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
    ct_core* core_;
    std::mutex drive_m_;
    bool closed_ = false;
};

}  // namespace

runtime_core* make_current_thread(config c) { return new current_thread_runtime(std::move(c)); }

}  // namespace af::rt::detail

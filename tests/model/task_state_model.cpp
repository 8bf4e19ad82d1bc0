// SPDX-License-Identifier: MIT
// The spawned task's state word (include/af/executor/detail/spawned_task.hpp): a wake races the
// poll, the completion, an abort and the join handle's drop. Checked: one poll at a time, a task
// in at most one queue, no lost wake (a wake after a pending poll leads to another poll), the
// future destroyed exactly once, an unread error reported exactly once, the task freed exactly
// once (its scheduler reference is the last one released before the scenario's own).
//
// The state machine is compiled into this test with the model's atomics: af_core's copy of
// spawned_task.cpp uses std::atomic, and this translation unit defines every symbol of that file,
// so the linker never pulls af_core's object in.
#include "../../src/executor/spawned_task.cpp"

#include <af_model/model.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "af/executor/join_handle.hpp"

namespace {

using af::detail::task_header;
namespace model = af::model;

// What the scenario counts; fibers run one at a time, so plain ints beside the model atomics.
struct counters {
    model::atomic<bool> in_poll{false};
    model::atomic<bool> woken_for{false};  // set by the waker before it wakes
    bool throw_when_woken = false;
    int polls = 0;
    int futures_destroyed = 0;
    int schedulers_destroyed = 0;
};

counters* g_counters = nullptr;  // for the unhandled-exception handler (a plain function)
int g_reports = 0;

// Pending until woken, then ready with 42 (or throws).
struct probe_future {
    using output = int;
    counters* c;

    explicit probe_future(counters* cs) noexcept : c(cs) {}
    probe_future(probe_future&& o) noexcept : c(std::exchange(o.c, nullptr)) {}
    ~probe_future() {
        if (c) ++c->futures_destroyed;
    }

    af::poll<int> poll(af::context&) {
        // Relaxed: a second poller at once is what we look for, not data.
        AF_MODEL_ASSERT(!c->in_poll.exchange(true, std::memory_order_relaxed));
        ++c->polls;
        // Relaxed: the wake's release and the worker's acquire order it.
        bool woken = c->woken_for.load(std::memory_order_relaxed);
        c->in_poll.store(false, std::memory_order_relaxed);
        if (!woken) return af::pending;
        if (c->throw_when_woken) throw std::runtime_error("probe");
        return 42;
    }
};

// A run queue of one task (the `scheduled` bit allows no more) drained by worker threads.
class model_scheduler final : public af::detail::scheduler {
public:
    explicit model_scheduler(counters& c) : c_(c) {}
    ~model_scheduler() override { ++c_.schedulers_destroyed; }

    void schedule(task_header* t) noexcept override {
        std::lock_guard lk(m_);
        AF_MODEL_ASSERT(queued_ == nullptr);  // a task is in at most one queue
        queued_ = t;
        cv_.notify_one();
    }
    void adopt(task_header* t) noexcept override { schedule(t); }
    void disown(task_header*) noexcept override {
        AF_MODEL_ASSERT(owned_);
        owned_ = false;
    }

    void run_worker() {
        for (;;) {
            task_header* t;
            {
                std::unique_lock lk(m_);
                cv_.wait(lk, [&] { return queued_ != nullptr || finished_; });
                if (queued_ == nullptr) return;
                t = std::exchange(queued_, nullptr);
            }
            t->run();
        }
    }
    /// Workers return once the queue is empty.
    void finish() {
        std::lock_guard lk(m_);
        finished_ = true;
        cv_.notify_all();
    }
    bool owned() const { return owned_; }

private:
    counters& c_;
    model::mutex m_;
    model::condition_variable cv_;
    task_header* queued_ = nullptr;
    bool finished_ = false;
    bool owned_ = true;
};

using probe_task = af::detail::spawned_task<probe_future>;

struct no_handle_side {
    void operator()(std::unique_ptr<af::join_handle<int>>&) const noexcept {}
};

// One task, `workers` worker threads, a waker thread that marks the future ready and wakes it,
// and `handle_side` run on its own thread against the join handle (abort, drop) or nothing.
// Then: the workers drain the queue and stop, and `check_end` sees the handle (if still held).
template <class HandleSide, class CheckEnd>
void scenario(int workers, bool throws, HandleSide handle_side, CheckEnd check_end) {
    counters c;
    c.throw_when_woken = throws;
    g_counters = &c;
    g_reports = 0;
    auto* sched = new model_scheduler(c);  // our reference; the task takes another
    auto* t = new probe_task(probe_future(&c), sched);  // scheduled; handle, owner, run refs
    af::raw_waker wr = af::detail::task_waker_vtable.clone(t);  // the waker thread's reference
    auto h = std::make_unique<af::join_handle<int>>(t);
    sched->adopt(t);  // the run reference goes to the queue

    model::thread w0([&] { sched->run_worker(); });
    std::unique_ptr<model::thread> w1;
    if (workers > 1) w1 = std::make_unique<model::thread>([&] { sched->run_worker(); });
    model::thread waker([&] {
        // Relaxed: published by the wake (release) to the poll it causes (acquire).
        c.woken_for.store(true, std::memory_order_relaxed);
        af::waker::from_raw(wr).wake();
    });
    std::unique_ptr<model::thread> handle;
    // No thread for no work: a model thread must make at least one visible operation.
    if constexpr (!std::is_same_v<HandleSide, no_handle_side>) handle = std::make_unique<model::thread>([&] { handle_side(h); });
    waker.join();
    if (handle) handle->join();
    sched->finish();
    w0.join();
    if (w1) w1->join();

    check_end(c, h, *sched);
    h.reset();
    // Every task reference is gone: the task was freed once, and released the scheduler once.
    AF_MODEL_ASSERT(c.futures_destroyed == 1);
    AF_MODEL_ASSERT(c.schedulers_destroyed == 0);
    sched->release();
    AF_MODEL_ASSERT(c.schedulers_destroyed == 1);
    g_counters = nullptr;
}

// The join handle's output, polled once with a no-op waker; the task must be complete by now.
int take_output(af::join_handle<int>& h) {
    AF_MODEL_ASSERT(h.is_finished());
    af::waker w = af::waker::noop();
    af::context cx(w);
    af::poll<int> p = h.poll(cx);
    AF_MODEL_ASSERT(p.is_ready());
    return std::move(p).value();
}

model::options opts() {
    model::options o;  // preemption bound 2, weak memory
    o.max_executions = 3000000;
    return o;
}

void expect_clean(const model::result& r) {
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("executions: %zu%s\n", r.executions, r.exhaustive ? " (exhaustive)" : "");
}

TEST(task_state_model, a_wake_racing_the_poll_is_never_lost_and_the_output_reaches_the_handle) {
    expect_clean(model::check(opts(), [] {
        scenario(
            2, false, no_handle_side{},
            [](counters& c, auto& h, model_scheduler& s) {
                AF_MODEL_ASSERT(take_output(*h) == 42);
                AF_MODEL_ASSERT(!s.owned());
                AF_MODEL_ASSERT(c.polls <= 2);  // a storm of wakes during a poll costs one re-poll
            });
    }));
}

TEST(task_state_model, an_abort_racing_the_wake_and_the_poll_completes_the_task_once) {
    expect_clean(model::check(opts(), [] {
        scenario(
            1, false, [](auto& h) { h->abort(); },
            [](counters&, auto& h, model_scheduler& s) {
                AF_MODEL_ASSERT(h->is_finished());  // completed, or cancelled by a worker
                AF_MODEL_ASSERT(!s.owned());
            });
    }));
}

TEST(task_state_model, a_handle_dropped_while_the_task_fails_reports_the_error_once) {
    af::executor::set_unhandled_exception_handler([](std::exception_ptr) noexcept { ++g_reports; });
    expect_clean(model::check(opts(), [] {
        scenario(
            1, true, [](auto& h) { h.reset(); },
            [](counters&, auto&, model_scheduler& s) {
                AF_MODEL_ASSERT(!s.owned());
                AF_MODEL_ASSERT(g_reports == 1);
            });
    }));
    af::executor::set_unhandled_exception_handler(nullptr);
}

TEST(task_state_model, a_handle_dropped_while_an_abort_and_a_wake_race_frees_the_task_once) {
    expect_clean(model::check(opts(), [] {
        scenario(
            1, false,
            [](auto& h) {
                h->abort();
                h.reset();
            },
            [](counters&, auto&, model_scheduler& s) { AF_MODEL_ASSERT(!s.owned()); });
    }));
}

}  // namespace

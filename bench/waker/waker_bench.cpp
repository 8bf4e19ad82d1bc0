// SPDX-License-Identifier: MIT
// Google Benchmark comparison of waker designs (docs/design/0001-waker.md).
//
// Benchmark names are `<operation>/<design>`, so one operation's rows sit together and compare
// side by side within a run. Micro-operations (clone, drop, wake, wake_by_ref, clone_drop) run in
// batches of 256 with manual timing: only the operation is on the clock, never the filling or
// emptying of the batch; the Time column is per operation. Cycles time one wake -> re-poll round
// per iteration. Every benchmark checks its own result (wake count, reference balance) and
// reports an error instead of a time when the check fails.
//
//     cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DAF_BUILD_BENCH=ON
//     cmake --build build-bench --target waker_bench
//     taskset -c 1 build-bench/bench/waker_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#if __has_include("af/executor/local_pool.hpp")
#include "af/executor/local_pool.hpp"
#endif
#include "af/future/yield_now.hpp"
#include "waker_designs.hpp"

namespace af::bench {
namespace {

/// Times the operation region of each batch and hands it to Google Benchmark.
class manual_timer {
public:
    explicit manual_timer(benchmark::State& state) noexcept : state_(state) {}
    void start() noexcept { t0_ = std::chrono::steady_clock::now(); }
    void stop() noexcept {
        const auto t1 = std::chrono::steady_clock::now();
        state_.SetIterationTime(std::chrono::duration<double>(t1 - t0_).count());
    }

private:
    benchmark::State& state_;
    std::chrono::steady_clock::time_point t0_;
};

template <template <class> class D, op O>
void bm_op(benchmark::State& state) {
    manual_timer timer(state);
    op_session<D, O> session;
    while (state.KeepRunningBatch(batch)) session.step(timer);
    if (const char* err = session.finish()) state.SkipWithError(err);
}

template <template <class> class D, yield_kind K>
void bm_cycle(benchmark::State& state) {
    cycle_session<D, K> session;
    for (auto _ : state) {
        if (!session.step()) {
            state.SkipWithError("run queue empty: a wake was lost");
            break;
        }
    }
    if (const char* err = session.finish()) state.SkipWithError(err);
}

// ---- cross-thread: the task registers its waker in a mailbox; a second thread wakes it -------

template <class H>
struct mailbox {
    static constexpr int empty = 0, posted = 1, stop = 2;
    std::atomic<int> state{empty};
    std::optional<H> slot;

    void post(H h) {
        slot.emplace(std::move(h));
        // Release: the waking thread sees the stored handle.
        state.store(posted, std::memory_order_release);
        state.notify_one();
    }
    /// Blocks until a handle is posted (returns it) or stop is requested (returns nullopt).
    std::optional<H> take() {
        state.wait(empty, std::memory_order_acquire);
        // Acquire: pairs with the release in post() (the wait above may return on a stale load).
        if (state.load(std::memory_order_acquire) == stop) return std::nullopt;
        std::optional<H> h = std::move(slot);
        slot.reset();
        // Relaxed: the next post happens only after our wake reached the executor, which orders it.
        state.store(empty, std::memory_order_relaxed);
        return h;
    }
    void request_stop() {
        state.store(stop, std::memory_order_release);
        state.notify_one();
    }
};

template <class H>
inline mailbox<H> mail;

/// Blocks the executor thread until a wake hands a task over.
inline void* wait_handoff() {
    for (;;) {
        // Acquire: pairs with the release in handoff_action::fire.
        if (void* p = handoff.exchange(nullptr, std::memory_order_acquire)) return p;
        handoff.wait(nullptr, std::memory_order_acquire);
    }
}

template <class Design>
bool post_poll(node&, const typename Design::handle& cx) {
    mail<typename Design::handle>.post(Design::clone(cx));
    return false;
}

struct mail_yield {
    node& n;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const {
        ++n.wakes;  // counted at registration: the waking thread only knows the handle
        mail<std::coroutine_handle<>>.post(h);
    }
    void await_resume() const noexcept {}
};

inline bare_coroutine mail_forever(node& n) {
    for (;;) co_await mail_yield{n};
}

template <template <class> class D>
void bm_cross_thread(benchmark::State& state) {
    using design = D<handoff_action>;
    using handle = typename design::handle;
    constexpr bool coro = is_coroutine_design<D>;

    const long others = live_tasks.load();  // nonzero only if an earlier, failed run leaked
    node* counted = nullptr;
    typename design::task* task = nullptr;
    std::optional<handle> waker;
    std::coroutine_handle<> frame;
    if constexpr (coro) {
        counted = new node;
        frame = mail_forever(*counted).h;
        handoff.store(frame.address(), std::memory_order_relaxed);  // Relaxed: before the thread starts.
    } else {
        task = design::create();
        counted = task;
        waker.emplace(design::make_handle(*task));
        handoff.store(counted, std::memory_order_relaxed);  // Relaxed: before the thread starts.
    }
    auto poll = &post_poll<design>;
    escape(poll);

    mail<handle>.state.store(mail<handle>.empty, std::memory_order_relaxed);  // a previous run left `stop`
    std::thread waking([] {
        while (std::optional<handle> h = mail<handle>.take()) {
            if constexpr (coro) {
                // Release: the executor resumes the frame after everything we did.
                handoff.store(h->address(), std::memory_order_release);
                handoff.notify_one();
            } else {
                design::wake(*h);
            }
        }
    });

    std::uint64_t polls = 0;
    for (auto _ : state) {
        void* p = wait_handoff();
        if constexpr (coro) {
            std::coroutine_handle<>::from_address(p).resume();
        } else {
            poll(*static_cast<node*>(p), *waker);
        }
        ++polls;
    }
    (void)wait_handoff();  // the wake answering the last poll
    mail<handle>.request_stop();
    waking.join();
    handoff.store(nullptr, std::memory_order_relaxed);  // Relaxed: the other thread is gone.

    if (counted->wakes != polls) state.SkipWithError("wake count mismatch: a wake was lost or doubled");
    if constexpr (coro) {
        frame.destroy();
        delete counted;
    } else {
        waker.reset();
        design::destroy(task);
    }
    if (live_tasks.load() != others) state.SkipWithError("task leaked: a reference was never released");
}

// ---- af's own stack, for reference -----------------------------------------------------------

inline af::task<void> yield_forever_task(std::uint64_t& resumed) {
    for (;;) {
        co_await af::yield_now();
        ++resumed;
    }
}

/// af::task + af::yield_now on the same ring as the cycle rows, with the af_vtable waker.
void bm_af_task_ring(benchmark::State& state) {
    using design = af_vtable<queue_action>;
    const long others = live_tasks.load();
    auto* target = design::create();
    std::uint64_t resumed = 0, polls = 0;
    {
        af::waker w = design::make_handle(*target);
        af::context cx(w);
        af::task<void> t = yield_forever_task(resumed);
        run_queue.push(static_cast<node*>(target));
        for (auto _ : state) {
            if (run_queue.pop() == nullptr) {
                state.SkipWithError("run queue empty: a wake was lost");
                break;
            }
            (void)t.poll(cx);
            ++polls;
        }
        while (!run_queue.empty()) (void)run_queue.pop();
    }
    if (target->wakes != polls || resumed + 1 != polls) state.SkipWithError("poll/wake count mismatch");
    design::destroy(target);
    if (live_tasks.load() != others) state.SkipWithError("task leaked");
}

inline af::task<void> yield_n(std::uint64_t n, std::uint64_t& resumed) {
    for (std::uint64_t i = 0; i < n; ++i) {
        co_await af::yield_now();
        ++resumed;
    }
}

/// af::block_on of a task yielding 1024 times: the thread parker's wakeable waker.
void bm_af_block_on(benchmark::State& state) {
    constexpr std::uint64_t n = 1024;
    std::uint64_t resumed = 0, expected = 0;
    while (state.KeepRunningBatch(n)) {
        af::block_on(yield_n(n, resumed));
        expected += n;
    }
    if (resumed != expected) state.SkipWithError("yield count mismatch");
}

#if __has_include("af/executor/local_pool.hpp")
/// af::executor::local_pool running one spawned task that yields 1024 times: the real executor,
/// whose task waker is a hand-written vtable over the task's intrusive count (like af_vtable).
void bm_af_local_pool(benchmark::State& state) {
    constexpr std::uint64_t n = 1024;
    std::uint64_t resumed = 0, expected = 0;
    af::executor::local_pool pool;
    while (state.KeepRunningBatch(n)) {
        auto handle = pool.spawn(yield_n(n, resumed));
        pool.run_until(std::move(handle));
        expected += n;
    }
    if (resumed != expected) state.SkipWithError("yield count mismatch");
}
#define AF_BENCH_HAS_LOCAL_POOL 1
#endif

// ---- registration ----------------------------------------------------------------------------

template <template <class> class D>
void register_design(const std::string& name, bool single_thread_only) {
    auto micro = [&](op o, void (*fn)(benchmark::State&)) {
        benchmark::RegisterBenchmark((std::string(op_name(o)) + "/" + name).c_str(), fn)->UseManualTime();
    };
    micro(op::clone, &bm_op<D, op::clone>);
    micro(op::drop, &bm_op<D, op::drop>);
    micro(op::wake, &bm_op<D, op::wake>);
    micro(op::wake_by_ref, &bm_op<D, op::wake_by_ref>);
    micro(op::clone_drop, &bm_op<D, op::clone_drop>);
    micro(op::clone_move, &bm_op<D, op::clone_move>);
    benchmark::RegisterBenchmark(("cycle_by_ref/" + name).c_str(), &bm_cycle<D, yield_kind::by_ref>);
    benchmark::RegisterBenchmark(("cycle_clone_wake/" + name).c_str(), &bm_cycle<D, yield_kind::clone_wake>);
    if (!single_thread_only) {
        // Real time: the executor thread sleeps while the other thread wakes it.
        benchmark::RegisterBenchmark(("cross_thread/" + name).c_str(), &bm_cross_thread<D>)->UseRealTime();
    }
}

}  // namespace
}  // namespace af::bench

int main(int argc, char** argv) {
    using namespace af::bench;
    register_design<af_vtable>("af_vtable", false);
    register_design<af_wakeable>("af_wakeable", false);
    register_design<virtual_iface>("virtual_iface", false);
    register_design<std_function>("std_function", false);
    register_design<shared_ptr_waker>("shared_ptr", false);
    register_design<coroutine_handle_waker>("coroutine_handle", false);
    register_design<af_local>("af_local_nonatomic", true);
    benchmark::RegisterBenchmark("stack/af_task_ring", &bm_af_task_ring);
    benchmark::RegisterBenchmark("stack/af_block_on", &bm_af_block_on);
#ifdef AF_BENCH_HAS_LOCAL_POOL
    benchmark::RegisterBenchmark("stack/af_local_pool", &bm_af_local_pool);
#endif

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
#if defined(__clang__)
    benchmark::AddCustomContext("compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
    benchmark::AddCustomContext("compiler", "gcc " __VERSION__);
#endif
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

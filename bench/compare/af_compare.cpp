// SPDX-License-Identifier: MIT
/// \file
/// The af side of the side-by-side comparison (docs/benchmarks.md): every workload on
/// `af::executor::local_pool` ("af-local") and on a two-thread `af::executor::thread_pool`
/// ("af-pool2").
///
///     af_compare af-local spawn_join 1000000
///     {"system":"af-local","workload":"spawn_join","n":1000000,...,"check":"ok"}
///
/// The workloads are written the way an af user would write them, and the same way as the
/// tokio, futures-rs and Asio programs next to this file: a main task spawns the work and
/// awaits the join handles. Each `bench_run_*` function is the measured region; callgrind
/// counts instructions only inside them (`--toggle-collect=*bench_run_*`).
#include <chrono>   // the polling interval of the thread-pool idle workload
#include <cstdint>  // std::uint64_t
#include <mutex>    // the waker lot
#include <thread>   // std::this_thread::sleep_for
#include <type_traits>  // std::is_same_v
#include <utility>  // std::move
#include <vector>   // join handles, the waker lot

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/local_pool.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/yield_now.hpp"
#include "compare_common.hpp"

namespace {

using std::uint64_t;

// Tasks spawn through this pointer rather than carrying a spawner in every frame: tokio's
// `tokio::spawn` and Asio's `this_coro::executor` find their executor without a per-task
// reference count either.
af::executor::spawner* g_spawner = nullptr;

// --- spawn_join: spawn n tasks that return their index, await every handle, sum -------------

af::task<uint64_t> leaf(uint64_t i) { co_return i; }

af::task<uint64_t> spawn_join(uint64_t n) {
    std::vector<af::join_handle<uint64_t>> handles;
    handles.reserve(n);
    for (uint64_t i = 0; i < n; ++i) handles.push_back(g_spawner->spawn(leaf(i)));
    uint64_t sum = 0;
    for (auto& h : handles) sum += co_await h;
    co_return sum;
}

// --- yield: `tasks` tasks, each yielding `yields` times ---------------------------------------

af::task<uint64_t> yielder(uint64_t yields) {
    uint64_t done = 0;
    for (uint64_t i = 0; i < yields; ++i) {
        co_await af::yield_now();
        ++done;
    }
    co_return done;
}

af::task<uint64_t> yield_main(uint64_t tasks, uint64_t yields) {
    std::vector<af::join_handle<uint64_t>> handles;
    handles.reserve(tasks);
    for (uint64_t i = 0; i < tasks; ++i) handles.push_back(g_spawner->spawn(yielder(yields)));
    uint64_t sum = 0;
    for (auto& h : handles) sum += co_await h;
    co_return sum;
}

// --- chain: task d spawns task d-1 and awaits its handle; returns the depth -----------------

af::task<uint64_t> chain(uint64_t depth) {
    if (depth == 0) co_return 0;
    uint64_t below = co_await g_spawner->spawn(chain(depth - 1));
    co_return below + 1;
}

// --- idle_memory: n tasks parked forever on a future that keeps their waker ------------------

// Where parked tasks leave their wakers, as a socket or channel would: an idle task that
// nobody can wake would be a leak, not a realistic idle task.
struct waker_lot {
    std::mutex m;
    std::vector<af::waker> wakers;
} g_lot;

struct park_future {
    using output = void;
    af::poll<void> poll(af::context& cx) {
        if (!parked_) {
            parked_ = true;
            std::lock_guard lk(g_lot.m);
            g_lot.wakers.push_back(cx.waker());
            compare::started.fetch_add(1, std::memory_order_relaxed);
        }
        return af::pending;
    }
    bool parked_ = false;
};

af::task<void> idle_task() {
    compare::drop_guard guard;
    co_await park_future{};
}

// --- executors -------------------------------------------------------------------------------

template <class Pool, class Future>
uint64_t run_on(Pool& pool, Future f) {
    if constexpr (std::is_same_v<Pool, af::executor::local_pool>) {
        return pool.run_until(std::move(f));
    } else {
        return af::block_on(std::move(f));
    }
}

template <class Pool>
[[gnu::noinline]] uint64_t bench_run_spawn_join(Pool& pool, uint64_t n) { return run_on(pool, spawn_join(n)); }
template <class Pool>
[[gnu::noinline]] uint64_t bench_run_yield(Pool& pool, uint64_t tasks, uint64_t yields) {
    return run_on(pool, yield_main(tasks, yields));
}
template <class Pool>
[[gnu::noinline]] uint64_t bench_run_chain(Pool& pool, uint64_t depth) {
    // The root is spawned too, so that every level of the chain is a spawned task.
    return run_on(pool, g_spawner->spawn(chain(depth)));
}

template <class Pool>
void run_timed(const compare::args& a, Pool& pool) {
    af::executor::spawner sp = pool.spawner();
    g_spawner = &sp;
    if (a.workload == "spawn_join") {
        compare::stopwatch sw;
        uint64_t sum = bench_run_spawn_join(pool, a.n);
        double s = sw.seconds();
        compare::check(a, "sum", sum, a.n * (a.n - 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "yield") {
        compare::stopwatch sw;
        uint64_t total = bench_run_yield(pool, a.n, a.m);
        double s = sw.seconds();
        compare::check(a, "yields", total, a.n * a.m);
        compare::report(a, s);
    } else if (a.workload == "chain") {
        compare::stopwatch sw;
        uint64_t depth = bench_run_chain(pool, a.n);
        double s = sw.seconds();
        compare::check(a, "depth", depth, a.n);
        compare::report(a, s);
    } else {
        compare::unknown(a);
    }
    g_spawner = nullptr;
}

void run_idle(const compare::args& a, bool local) {
    g_lot.wakers.reserve(a.n);
    long base = 0;
    long peak = 0;
    double s = 0;
    if (local) {
        af::executor::local_pool pool;
        base = compare::proc_status_kb("VmRSS");
        compare::stopwatch sw;
        for (uint64_t i = 0; i < a.n; ++i) pool.spawn(idle_task()).detach();
        pool.run_until_stalled();
        s = sw.seconds();
        peak = compare::proc_status_kb("VmHWM");
        compare::check(a, "started", compare::started.load(), a.n);
        std::lock_guard lk(g_lot.m);
        g_lot.wakers.clear();
        // The pool's destructor cancels the n pending tasks.
    } else {
        af::executor::thread_pool pool(2);
        base = compare::proc_status_kb("VmRSS");
        compare::stopwatch sw;
        for (uint64_t i = 0; i < a.n; ++i) pool.spawn(idle_task()).detach();
        while (compare::started.load(std::memory_order_relaxed) < a.n) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        s = sw.seconds();
        peak = compare::proc_status_kb("VmHWM");
        pool.shutdown();
        std::lock_guard lk(g_lot.m);
        g_lot.wakers.clear();
    }
    compare::check(a, "dropped", compare::dropped.load(), a.n);
    compare::report(a, s, base, peak);
}

}  // namespace

int main(int argc, char** argv) {
    compare::args a = compare::parse(argc, argv);
    bool local = a.system == "af-local";
    if (!local && a.system != "af-pool2") compare::unknown(a);
    if (a.workload == "idle_memory") {
        run_idle(a, local);
    } else if (local) {
        af::executor::local_pool pool;
        run_timed(a, pool);
    } else {
        af::executor::thread_pool pool(2);
        run_timed(a, pool);
    }
    return 0;
}

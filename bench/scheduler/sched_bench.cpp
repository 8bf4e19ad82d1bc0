// SPDX-License-Identifier: MIT
/// \file
/// Scheduler measurements for docs/design/0007-scheduler.md: the same four workloads on the
/// af::rt flavors, on multi_thread with its knobs turned, and on the old shared-queue
/// af::executor::thread_pool; plus idle CPU and wake-up fan-out of parked workers.
///
/// Runs are interleaved (run 1 of every configuration, then run 2, ...) so that noise from the
/// shared machine spreads over all configurations instead of landing on one; each cell is the
/// median of the runs, and the table also gives it as a ratio to multi_thread(2) default.
///
///     bash bench/scheduler/run.sh            # 5 runs, full sizes
///     bash bench/scheduler/run.sh --runs 7 --scale 0.1
///
/// This is not a comparison with other libraries (that is bench/compare and
/// docs/benchmarks.md); it answers "did each scheduler choice pay for itself".
#include <af/channel.hpp>
#include <af/executor/block_on.hpp>
#include <af/executor/thread_pool.hpp>
#include <af/rt.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

// --- how a workload spawns: af::rt's free function, or a thread_pool it was handed ----------

struct rt_spawner {
    template <class F>
    auto operator()(F&& f) const {
        return af::rt::spawn(std::forward<F>(f));
    }
};

struct pool_spawner {
    af::executor::thread_pool* pool;
    template <class F>
    auto operator()(F&& f) const {
        return pool->spawn(std::forward<F>(f));
    }
};

// --- the workloads (coroutines take everything by value: no captured references) ------------

af::task<int> tiny(int i) { co_return i & 1; }

// (a) spawn and join many tiny tasks from one task.
template <class Sp>
af::task<long> spawn_join(Sp sp, int n) {
    std::vector<af::join_handle<int>> hs;
    hs.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) hs.push_back(sp(tiny(i)));
    long sum = 0;
    for (auto& h : hs) sum += co_await std::move(h);
    co_return sum;
}

af::task<int> yielder(int yields) {
    for (int i = 0; i < yields; ++i) co_await af::yield_now();
    co_return 1;
}

// (b) many tasks that each yield many times: queue throughput and fairness.
template <class Sp>
af::task<long> yields(Sp sp, int tasks, int per_task) {
    std::vector<af::join_handle<int>> hs;
    for (int i = 0; i < tasks; ++i) hs.push_back(sp(yielder(per_task)));
    long sum = 0;
    for (auto& h : hs) sum += co_await std::move(h);
    co_return sum;
}

af::task<int> pinger(af::channel::mpsc::sender<int> tx, af::channel::mpsc::receiver<int> rx, int n) {
    int got = 0;
    for (int i = 0; i < n; ++i) {
        auto r = co_await tx.send(i);
        (void)r;
        std::optional<int> v = co_await rx.recv();
        if (v) ++got;
    }
    co_return got;
}

af::task<int> ponger(af::channel::mpsc::sender<int> tx, af::channel::mpsc::receiver<int> rx) {
    int n = 0;
    while (std::optional<int> v = co_await rx.recv()) {
        auto r = co_await tx.send(*v);
        (void)r;
        ++n;
    }
    co_return n;
}

// (c) two tasks passing a message back and forth over bounded(1) channels.
template <class Sp>
af::task<long> ping_pong(Sp sp, int round_trips) {
    auto [tx1, rx1] = af::channel::mpsc::bounded<int>(1);
    auto [tx2, rx2] = af::channel::mpsc::bounded<int>(1);
    auto b = sp(ponger(std::move(tx2), std::move(rx1)));
    auto a = sp(pinger(std::move(tx1), std::move(rx2), round_trips));
    long got = co_await std::move(a);
    long echoed = co_await std::move(b);  // ends when the pinger's sender dropped
    co_return got + echoed;
}

// (d) a tree: each node spawns `fan` children and sums their results.
template <class Sp>
af::task<long> tree(Sp sp, int depth, int fan) {
    if (depth == 0) co_return 1;
    std::vector<af::join_handle<long>> hs;
    hs.reserve(static_cast<std::size_t>(fan));
    for (int i = 0; i < fan; ++i) hs.push_back(sp(tree(sp, depth - 1, fan)));
    long sum = 0;
    for (auto& h : hs) sum += co_await std::move(h);
    co_return sum;
}

struct sizes {
    int spawn_n = 200'000;
    int yield_tasks = 1000;
    int yield_each = 200;
    int round_trips = 200'000;
    int tree_depth = 8;  // 4^8 = 65,536 leaves, 87,381 tasks
    int tree_fan = 4;
};

constexpr int workload_count = 4;
const char* const workload_names[workload_count] = {"spawn+join 200k", "1000 x 200 yields",
                                                     "ping-pong 200k", "tree 4^8"};

long expected(const sizes& s, int w) {
    switch (w) {
    case 0: return s.spawn_n / 2;
    case 1: return s.yield_tasks;
    case 2: return 2L * s.round_trips;
    default: {
        long leaves = 1;
        for (int i = 0; i < s.tree_depth; ++i) leaves *= s.tree_fan;
        return leaves;
    }
    }
}

template <class Sp>
af::task<long> workload(Sp sp, const sizes& s, int w) {
    switch (w) {
    case 0: return spawn_join(sp, s.spawn_n);
    case 1: return yields(sp, s.yield_tasks, s.yield_each);
    case 2: return ping_pong(sp, s.round_trips);
    default: return tree(sp, s.tree_depth, s.tree_fan);
    }
}

// --- configurations -------------------------------------------------------------------------

struct config {
    std::string name;
    // Runs workload `w` on a fresh executor; returns the output, and the elapsed time of the
    // workload alone (executor start-up and shutdown are outside the clock).
    std::function<long(const sizes&, int, double&)> run;
};

config rt_config(std::string name, std::function<af::rt::builder()> make) {
    return {std::move(name), [make](const sizes& s, int w, double& ms) {
                af::rt::runtime rt = make().build();
                // Warm the workers (thread start, first frames) outside the clock.
                rt.block_on(rt.spawn(tiny(0)));
                auto t0 = clock_type::now();
                // The root runs as a task (not in block_on), so its spawns come from a worker.
                long out = rt.block_on(rt.spawn(workload(rt_spawner{}, s, w)));
                ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
                return out;
            }};
}

config pool_config(std::string name, std::size_t threads) {
    return {std::move(name), [threads](const sizes& s, int w, double& ms) {
                af::executor::thread_pool pool(threads);
                af::block_on(pool.spawn(tiny(0)));
                auto t0 = clock_type::now();
                long out = af::block_on(pool.spawn(workload(pool_spawner{&pool}, s, w)));
                ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
                return out;
            }};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double cpu_ms() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto ms = [](timeval t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
    return ms(ru.ru_utime) + ms(ru.ru_stime);
}

// Idle CPU: an executor with 2 workers and nothing to do, for 1 s. Parked workers must not spin.
template <class Make>
double idle_cpu_ms(Make make) {
    auto ex = make();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the workers park
    double before = cpu_ms();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    return cpu_ms() - before;
}

// Wake-up fan-out: spawn one task from outside onto an idle runtime, wait for it, let the
// workers park again; report worker parks per spawn (each park after the first means a worker
// was woken: 1.0 = exactly one worker woke, `workers` = everybody did).
double parks_per_spawn(std::size_t workers, int spawns) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(workers).build();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::uint64_t before = rt.metrics().parks;
    for (int i = 0; i < spawns; ++i) {
        auto h = rt.spawn(tiny(i));
        (void)af::block_on(std::move(h));
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // everyone parks again
    }
    return static_cast<double>(rt.metrics().parks - before) / spawns;
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 5;
    double scale = 1.0;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
        } else if (!std::strcmp(argv[i], "--scale") && i + 1 < argc) {
            scale = std::atof(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: sched_bench [--runs N] [--scale F]\n");
            return 2;
        }
    }
    sizes s;
    auto scaled = [&](int n) { return std::max(1, static_cast<int>(n * scale)); };
    s.spawn_n = scaled(s.spawn_n);
    s.yield_tasks = scaled(s.yield_tasks);
    s.round_trips = scaled(s.round_trips);
    if (scale < 1.0) s.tree_depth = 6;

    using af::rt::builder;
    std::vector<config> cfgs;
    cfgs.push_back(rt_config("multi_thread(2)", [] { return builder().multi_thread().worker_threads(2); }));
    cfgs.push_back(rt_config("mt(2) no LIFO slot",
                             [] { return builder().multi_thread().worker_threads(2).disable_lifo_slot(); }));
    cfgs.push_back(rt_config("mt(2) global_queue_interval(1)",
                             [] { return builder().multi_thread().worker_threads(2).global_queue_interval(1); }));
    cfgs.push_back(rt_config("mt(2) global_queue_interval(61)",
                             [] { return builder().multi_thread().worker_threads(2).global_queue_interval(61); }));
    cfgs.push_back(rt_config("current_thread", [] { return builder().current_thread(); }));
    cfgs.push_back(rt_config("thread_per_core(2)", [] { return builder().thread_per_core().worker_threads(2); }));
    cfgs.push_back(pool_config("executor::thread_pool(2)", 2));

    std::vector<std::vector<std::vector<double>>> ms(
        cfgs.size(), std::vector<std::vector<double>>(workload_count));
    for (int r = 0; r < runs; ++r) {
        for (std::size_t c = 0; c < cfgs.size(); ++c) {
            for (int w = 0; w < workload_count; ++w) {
                double t = 0;
                long out = cfgs[c].run(s, w, t);
                if (out != expected(s, w)) {
                    std::fprintf(stderr, "%s / %s: wrong result %ld (want %ld)\n", cfgs[c].name.c_str(),
                                 workload_names[w], out, expected(s, w));
                    return 1;
                }
                ms[c][static_cast<std::size_t>(w)].push_back(t);
            }
        }
        std::fprintf(stderr, "run %d/%d done\n", r + 1, runs);
    }

    std::printf("median of %d interleaved runs, ms (ratio to multi_thread(2) default; <1 is faster)\n\n", runs);
    std::printf("| configuration |");
    for (const char* n : workload_names) std::printf(" %s |", n);
    std::printf("\n|---|");
    for (int w = 0; w < workload_count; ++w) std::printf("---|");
    std::printf("\n");
    std::vector<double> base(workload_count);
    for (int w = 0; w < workload_count; ++w) base[static_cast<std::size_t>(w)] = median(ms[0][static_cast<std::size_t>(w)]);
    for (std::size_t c = 0; c < cfgs.size(); ++c) {
        std::printf("| %s |", cfgs[c].name.c_str());
        for (int w = 0; w < workload_count; ++w) {
            double m = median(ms[c][static_cast<std::size_t>(w)]);
            std::printf(" %.1f (%.2f) |", m, m / base[static_cast<std::size_t>(w)]);
        }
        std::printf("\n");
    }

    std::printf("\nspread: min-max over the runs, ms\n\n| configuration |");
    for (const char* n : workload_names) std::printf(" %s |", n);
    std::printf("\n|---|");
    for (int w = 0; w < workload_count; ++w) std::printf("---|");
    std::printf("\n");
    for (std::size_t c = 0; c < cfgs.size(); ++c) {
        std::printf("| %s |", cfgs[c].name.c_str());
        for (int w = 0; w < workload_count; ++w) {
            const std::vector<double>& v = ms[c][static_cast<std::size_t>(w)];
            std::printf(" %.1f-%.1f |", *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
        }
        std::printf("\n");
    }

    std::printf("\nidle CPU over 1 s (user+sys of the whole process, ms):\n");
    std::printf("  multi_thread(2):          %.2f\n",
                idle_cpu_ms([] { return std::make_unique<af::rt::runtime>(builder().multi_thread().worker_threads(2).build()); }));
    std::printf("  multi_thread(2)+time:     %.2f\n", idle_cpu_ms([] {
                    return std::make_unique<af::rt::runtime>(builder().multi_thread().worker_threads(2).enable_all().build());
                }));
    std::printf("  thread_per_core(2):       %.2f\n",
                idle_cpu_ms([] { return std::make_unique<af::rt::runtime>(builder().thread_per_core().worker_threads(2).build()); }));
    std::printf("  executor::thread_pool(2): %.2f\n",
                idle_cpu_ms([] { return std::make_unique<af::executor::thread_pool>(2); }));

    std::printf("\nwake-up fan-out: worker parks per task spawned onto an idle runtime (200 spawns)\n");
    std::printf("  multi_thread(2): %.2f\n", parks_per_spawn(2, 200));
    std::printf("  multi_thread(8): %.2f\n", parks_per_spawn(8, 200));
    return 0;
}

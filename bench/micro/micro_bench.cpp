// SPDX-License-Identifier: MIT
/// \file
/// af's micro-benchmarks (Google Benchmark): the cost of the basic operations every af program
/// is made of, each on its own. Choosing among the benches: `bench/waker/` compares waker
/// *designs* (design note 0001); `bench/compare/` runs whole workloads next to tokio,
/// futures-rs and Asio; this file measures af's own operations one by one.
///
///     build-bench/bench/micro_bench --benchmark_filter=mpsc
///
/// Every benchmark checks what it did (a sum, a count of wakes, a lock's value) and reports
/// `SkipWithError` on a mismatch, so a broken operation cannot show a fast time; `scripts/bench
/// smoke` fails on "ERROR OCCURRED". Operations that need a runtime run inside one (an
/// `af::rt` current_thread runtime, time enabled where a timer is measured); a benchmark's loop
/// then runs inside the `poll` of a future handed to `block_on` or spawned, so that `cx` and
/// the runtime's thread-local context are the real ones.
#include <benchmark/benchmark.h>

#include <chrono>    // sleep durations
#include <cstdint>   // std::uint64_t
#include <cstddef>   // std::byte
#include <optional>  // received values
#include <span>      // byte buffers
#include <utility>   // std::move

#include "af/channel/mpsc.hpp"
#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/ready.hpp"
#include "af/net/unix_stream.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/sync/mutex.hpp"
#include "af/test/wake_counter.hpp"
#include "af/time/sleep.hpp"

namespace {

using std::uint64_t;

uint64_t iterations(const benchmark::State& state) { return static_cast<uint64_t>(state.iterations()); }

af::rt::runtime current_thread(bool time = false) {
    af::rt::builder b;
    b.current_thread();
    if (time) b.enable_time();
    return b.build();
}

// A future whose first poll runs `body(cx)` and is ready: the benchmark loop then runs with the
// context (and thread-local runtime context) of a real runtime task.
template <class Body>
struct in_poll {
    using output = void;
    af::poll<void> poll(af::context& cx) {
        body(cx);
        return {};
    }
    Body body;
};
template <class Body>
in_poll(Body) -> in_poll<Body>;

// --- futures -----------------------------------------------------------------------------------

// poll() of a future that is ready at once: the floor under every combinator.
void poll_ready_future(benchmark::State& state) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    uint64_t sum = 0;
    for (auto _ : state) {
        auto f = af::ready(uint64_t{1});
        af::poll<uint64_t> p = f.poll(cx);
        benchmark::DoNotOptimize(p);
        sum += p.value();
    }
    if (sum != iterations(state) || wc.count() != 0) state.SkipWithError("wrong sum or a spurious wake");
}
BENCHMARK(poll_ready_future);

// (No benchmark::DoNotOptimize inside the coroutine: with GCC 12 at -DNDEBUG, using it on a
// coroutine local made this loop sum to 0. The sum is returned and checked instead, which
// keeps the awaits alive.)
af::task<uint64_t> await_ready_loop(benchmark::State& state) {
    uint64_t sum = 0;
    uint64_t i = 0;
    for (auto _ : state) {
        sum += co_await af::ready(i);
        ++i;
    }
    co_return sum == i * (i - 1) / 2 ? i : 0;
}

// co_await of a ready future inside an af::task: await_ready, one poll, no suspension.
void co_await_ready_future(benchmark::State& state) {
    uint64_t n = af::block_on(await_ready_loop(state));
    if (n != iterations(state)) state.SkipWithError("wrong sum");
}
BENCHMARK(co_await_ready_future);

// --- tasks -------------------------------------------------------------------------------------

af::task<uint64_t> leaf(uint64_t i) { co_return i; }

af::task<uint64_t> spawn_join_loop(benchmark::State& state) {
    uint64_t sum = 0;
    uint64_t i = 0;
    for (auto _ : state) {
        sum += co_await af::rt::spawn(leaf(i));
        ++i;
    }
    co_return sum == i * (i - 1) / 2 ? i : 0;
}

// af::rt::spawn of a task returning a value, then awaiting its join handle, on current_thread.
void rt_spawn_join(benchmark::State& state) {
    af::rt::runtime rt = current_thread();
    uint64_t n = rt.block_on(spawn_join_loop(state));
    if (n != iterations(state)) state.SkipWithError("wrong sum of outputs");
}
BENCHMARK(rt_spawn_join);

// --- wakers ------------------------------------------------------------------------------------

// Clone, then drop, of a spawned runtime task's waker (a reference count up and down).
void waker_clone_drop(benchmark::State& state) {
    af::rt::runtime rt = current_thread();
    bool ran = false;
    rt.block_on(rt.spawn(in_poll{[&](af::context& cx) {
        for (auto _ : state) {
            af::waker w = cx.waker();
            benchmark::DoNotOptimize(w);
        }
        ran = true;
    }}));
    if (!ran) state.SkipWithError("the task did not run");
}
BENCHMARK(waker_clone_drop);

// Clone, wake (consuming the clone) of a spawned runtime task's waker while the task runs: the
// scheduler notes one re-poll, later wakes find it already noted.
void waker_clone_wake(benchmark::State& state) {
    af::rt::runtime rt = current_thread();
    int polls = 0;
    struct self_waking {
        using output = void;
        af::poll<void> poll(af::context& cx) {
            if (++*polls == 2) return {};
            for (auto _ : *state) {
                af::waker w = cx.waker();
                std::move(w).wake();
            }
            return af::pending;  // woken above: polled once more
        }
        benchmark::State* state;
        int* polls;
    };
    rt.block_on(rt.spawn(self_waking{&state, &polls}));
    if (polls != 2) state.SkipWithError("a wake was lost or doubled");
}
BENCHMARK(waker_clone_wake);

// wake_by_ref on a counting waker (wake_counter's vtable: an atomic increment).
void waker_wake_by_ref_counter(benchmark::State& state) {
    af::test::wake_counter wc;
    const af::waker& w = wc.waker();
    for (auto _ : state) w.wake_by_ref();
    if (wc.count() != static_cast<std::size_t>(state.iterations())) state.SkipWithError("wakes not counted");
}
BENCHMARK(waker_wake_by_ref_counter);

// --- channels ----------------------------------------------------------------------------------

af::task<uint64_t> mpsc_loop(benchmark::State& state) {
    auto ch = af::channel::mpsc::bounded<uint64_t>(16);
    uint64_t sum = 0;
    uint64_t i = 0;
    for (auto _ : state) {
        auto sent = co_await ch.first.send(i);
        ++i;
        if (!sent) co_return 0;
        std::optional<uint64_t> v = co_await ch.second.recv();
        if (v) sum += *v;
    }
    co_return sum == i * (i - 1) / 2 ? i : 0;
}

// One send and one receive on a bounded mpsc channel, same task (the uncontended ready path).
void mpsc_send_recv(benchmark::State& state) {
    af::rt::runtime rt = current_thread();
    uint64_t n = rt.block_on(mpsc_loop(state));
    if (n != iterations(state)) state.SkipWithError("wrong sum of received values");
}
BENCHMARK(mpsc_send_recv);

// --- locks -------------------------------------------------------------------------------------

af::task<uint64_t> mutex_loop(benchmark::State& state, af::sync::mutex<uint64_t>& m) {
    for (auto _ : state) {
        auto g = co_await m.lock();
        ++*g;
    }
    auto g = co_await m.lock();
    co_return *g;
}

// co_await lock() of an uncontended af::sync::mutex, then the guard's unlock.
void mutex_lock_unlock(benchmark::State& state) {
    af::sync::mutex<uint64_t> m(0);
    uint64_t n = af::block_on(mutex_loop(state, m));
    if (n != iterations(state)) state.SkipWithError("wrong count under the lock");
}
BENCHMARK(mutex_lock_unlock);

// --- reactor -----------------------------------------------------------------------------------

// Reads one byte at a time and sends it back, until end of stream; returns the bytes echoed.
af::task<uint64_t> echo_bytes(af::net::unix_stream s) {
    uint64_t n = 0;
    std::byte b{};
    for (;;) {
        std::size_t got = co_await s.read(std::span<std::byte>(&b, 1));
        if (got == 0) co_return n;
        co_await s.write_all(std::span<const std::byte>(&b, 1));
        ++n;
    }
}

af::task<uint64_t> reactor_ping(benchmark::State& state, af::net::unix_stream s) {
    uint64_t sum = 0;
    uint64_t i = 0;
    for (auto _ : state) {
        std::byte out{static_cast<unsigned char>(i)};
        co_await s.write_all(std::span<const std::byte>(&out, 1));
        std::byte in{};
        std::size_t got = co_await s.read(std::span<std::byte>(&in, 1));
        if (got == 1) sum += static_cast<uint64_t>(in);
        ++i;
    }
    s.shutdown(af::net::shutdown_how::write);
    co_return sum;
}

// One byte there and back between two tasks over a Unix socket pair, on a current_thread
// runtime with I/O (the epoll backend). Each read finds its socket empty, so each hop is a
// reactor round trip: register the waker, epoll_wait, wake, read. Per iteration: two hops.
void reactor_round_trip(benchmark::State& state) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_io().build();
    auto [sums, echoed] = rt.block_on([](benchmark::State& st) -> af::task<std::pair<uint64_t, uint64_t>> {
        auto [a, b] = af::net::unix_stream::pair();
        af::join_handle<uint64_t> echo = af::rt::spawn(echo_bytes(std::move(b)));
        uint64_t sum = co_await reactor_ping(st, std::move(a));
        uint64_t n = co_await std::move(echo);
        co_return std::pair<uint64_t, uint64_t>(sum, n);
    }(state));
    uint64_t expected = 0;
    for (uint64_t i = 0; i < iterations(state); ++i) expected += i & 0xff;
    if (echoed != iterations(state) || sums != expected) state.SkipWithError("wrong bytes echoed");
}
BENCHMARK(reactor_round_trip);

// --- timers ------------------------------------------------------------------------------------

// af::time::sleep(1 s) created, polled once (its timer goes into the driver's wheel), dropped
// (the timer is taken out again), inside a current_thread runtime with time enabled.
void timer_insert_cancel(benchmark::State& state) {
    af::rt::runtime rt = current_thread(true);
    uint64_t pending = 0;
    rt.block_on(rt.spawn(in_poll{[&](af::context& cx) {
        for (auto _ : state) {
            af::time::sleep_future s = af::time::sleep(std::chrono::seconds(1));
            if (s.poll(cx).is_pending()) ++pending;
        }
    }}));
    if (pending != iterations(state)) state.SkipWithError("a 1 s sleep was ready");
}
BENCHMARK(timer_insert_cancel);

}  // namespace

BENCHMARK_MAIN();

// SPDX-License-Identifier: MIT
/// \file
/// The af side of the side-by-side comparison (docs/benchmarks.md). Systems:
///   - "af-rt-ct": an `af::rt` current_thread runtime; "af-rt-mt2": an `af::rt` multi_thread
///     runtime with 2 workers (the main task runs in `block_on` on the main thread, as in
///     tokio). Both with every driver enabled (`enable_all()`, as the book teaches and as
///     `#[tokio::main]` does). Every workload runs on these.
///   - "af-rt-ct-min", "af-rt-mt2-min": the same runtimes with only the drivers the workload
///     needs (none for channels and yields, time for sleeps, I/O for sockets): a user's choice
///     too, compared with tokio built the same way.
///   - "af-local": `af::executor::local_pool`; "af-pool2": a two-thread
///     `af::executor::thread_pool`. Only the executor workloads (spawn_join, yield, chain,
///     idle_memory): channels, timers and sockets are measured on the runtime.
///
///     af_compare af-rt-ct spawn_join 1000000
///     {"system":"af-rt-ct","workload":"spawn_join","n":1000000,...,"check":"ok"}
///
/// The workloads are written the way an af user would write them, and the same way as the
/// tokio, futures-rs and Asio programs next to this file: a main task spawns the work and
/// awaits the join handles. Each `bench_run_*` function is the measured region; callgrind
/// counts instructions only inside them (`--toggle-collect=*bench_run_*`).
#include <array>    // message buffers
#include <chrono>   // the polling interval of the thread-pool idle workload
#include <cstdint>  // std::uint64_t
#include <cstdio>   // std::fprintf
#include <cstdlib>  // std::exit, std::getenv
#include <cstring>  // std::memcmp
#include <span>     // buffers
#include <string_view>  // AF_COMPARE_IO
#include <mutex>    // the waker lot
#include <optional> // received values
#include <thread>   // std::this_thread::sleep_for
#include <type_traits>  // std::is_same_v
#include <utility>  // std::move
#include <vector>   // join handles, the waker lot

#include "af/channel/mpsc.hpp"
#include "af/channel/oneshot.hpp"
#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/local_pool.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/yield_now.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/time/sleep.hpp"
#include "af/time/timeout.hpp"
#include "compare_common.hpp"

namespace {

using std::uint64_t;

// Tasks spawn through this pointer rather than carrying a spawner in every frame: tokio's
// `tokio::spawn` and Asio's `this_coro::executor` find their executor without a per-task
// reference count either.
// Null on the runtime, whose tasks spawn with af::rt::spawn (a thread-local lookup).
af::executor::spawner* g_spawner = nullptr;

template <class F>
af::join_handle<af::executor::spawn_output_t<F>> spawn(F&& f) {
    if (g_spawner != nullptr) return g_spawner->spawn(std::forward<F>(f));
    return af::rt::spawn(std::forward<F>(f));
}

// --- spawn_join: spawn n tasks that return their index, await every handle, sum -------------

af::task<uint64_t> leaf(uint64_t i) { co_return i; }

af::task<uint64_t> spawn_join(uint64_t n) {
    std::vector<af::join_handle<uint64_t>> handles;
    handles.reserve(n);
    for (uint64_t i = 0; i < n; ++i) handles.push_back(spawn(leaf(i)));
    uint64_t sum = 0;
    for (auto& h : handles) sum += co_await h;
    co_return sum;
}

// --- yield: `tasks` tasks, each yielding `yields` times ---------------------------------------

// af::rt::yield_now: the runtime's yield (the task goes to the back of the queue; the runtime
// polls its drivers every event_interval tasks and whenever the main task was woken), the
// like of tokio's yield_now. It is the same function as the core af::yield_now, which the
// executors (local_pool, thread_pool) run too.
af::task<uint64_t> yielder(uint64_t yields) {
    uint64_t done = 0;
    for (uint64_t i = 0; i < yields; ++i) {
        co_await af::rt::yield_now();
        ++done;
    }
    co_return done;
}

af::task<uint64_t> yield_main(uint64_t tasks, uint64_t yields) {
    std::vector<af::join_handle<uint64_t>> handles;
    handles.reserve(tasks);
    for (uint64_t i = 0; i < tasks; ++i) handles.push_back(spawn(yielder(yields)));
    uint64_t sum = 0;
    for (auto& h : handles) sum += co_await h;
    co_return sum;
}

// --- chain: task d spawns task d-1 and awaits its handle; returns the depth -----------------

af::task<uint64_t> chain(uint64_t depth) {
    if (depth == 0) co_return 0;
    uint64_t below = co_await spawn(chain(depth - 1));
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

// --- ping_pong: two tasks, two bounded(1) channels, n round trips -----------------------------

using u64_tx = af::channel::mpsc::sender<uint64_t>;
using u64_rx = af::channel::mpsc::receiver<uint64_t>;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::exit(1);
}

// Sends i, waits for the answer (i + 1); returns the sum of the answers.
af::task<uint64_t> pinger(u64_tx tx, u64_rx rx, uint64_t n) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; ++i) {
        auto sent = co_await tx.send(i);
        if (!sent) fail("ping: channel closed");
        std::optional<uint64_t> v = co_await rx.recv();
        if (!v) fail("ping: no answer");
        sum += *v;
    }
    co_return sum;
}

// Answers every v with v + 1 until the pinger drops its sender; returns the count.
af::task<uint64_t> ponger(u64_tx tx, u64_rx rx) {
    uint64_t count = 0;
    while (std::optional<uint64_t> v = co_await rx.recv()) {
        auto sent = co_await tx.send(*v + 1);
        if (!sent) fail("pong: channel closed");
        ++count;
    }
    co_return count;
}

af::task<uint64_t> ping_pong_main(uint64_t n) {
    auto ping = af::channel::mpsc::bounded<uint64_t>(1);
    auto pong = af::channel::mpsc::bounded<uint64_t>(1);
    af::join_handle<uint64_t> a = spawn(pinger(std::move(ping.first), std::move(pong.second), n));
    af::join_handle<uint64_t> b = spawn(ponger(std::move(pong.first), std::move(ping.second)));
    uint64_t sum = co_await a;
    uint64_t count = co_await b;
    compare::check_or_exit("round trips", count, n);
    co_return sum;
}

// --- mpsc: `producers` tasks x m messages through one bounded(1024) channel, 1 consumer -----

af::task<uint64_t> producer(u64_tx tx, uint64_t first, uint64_t m) {
    for (uint64_t i = 0; i < m; ++i) {
        auto sent = co_await tx.send(first + i);
        if (!sent) fail("producer: channel closed");
    }
    co_return m;
}

// The main task is the consumer; the channel ends when every producer dropped its sender.
af::task<uint64_t> mpsc_main(uint64_t producers, uint64_t m) {
    auto ch = af::channel::mpsc::bounded<uint64_t>(1024);
    std::vector<af::join_handle<uint64_t>> handles;
    for (uint64_t p = 0; p < producers; ++p) handles.push_back(spawn(producer(ch.first, p * m, m)));
    { u64_tx drop = std::move(ch.first); }
    uint64_t sum = 0;
    uint64_t count = 0;
    while (std::optional<uint64_t> v = co_await ch.second.recv()) {
        sum += *v;
        ++count;
    }
    uint64_t sent = 0;
    for (auto& h : handles) sent += co_await h;
    compare::check_or_exit("received", count, producers * m);
    compare::check_or_exit("sent", sent, producers * m);
    co_return sum;
}

// --- main task in block_on: the shape of most programs (`#[tokio::main] async fn main`) ------

// yield_main: the main task itself yields n times.
af::task<uint64_t> yield_main_task(uint64_t n) {
    uint64_t done = 0;
    for (uint64_t i = 0; i < n; ++i) {
        co_await af::rt::yield_now();
        ++done;
    }
    co_return done;
}

// ping_pong_main: the main task is the pinger; the ponger is spawned.
af::task<uint64_t> ping_pong_main_task(uint64_t n) {
    auto ping = af::channel::mpsc::bounded<uint64_t>(1);
    auto pong = af::channel::mpsc::bounded<uint64_t>(1);
    af::join_handle<uint64_t> b = spawn(ponger(std::move(pong.first), std::move(ping.second)));
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; ++i) {
        auto sent = co_await ping.first.send(i);
        if (!sent) fail("ping: channel closed");
        std::optional<uint64_t> v = co_await pong.second.recv();
        if (!v) fail("ping: no answer");
        sum += *v;
    }
    { u64_tx drop = std::move(ping.first); }  // the ponger's stream ends
    uint64_t count = co_await b;
    compare::check_or_exit("round trips", count, n);
    co_return sum;
}

// await_chain: n times, an await chain of depth 100 (every level a distinct coroutine, the leaf
// yielding once) in the main task; returns the sum of the depths.
constexpr int chain_depth = 100;

template <int D>
af::task<uint64_t> chain_level() {
    if constexpr (D == 0) {
        co_await af::rt::yield_now();
        co_return 0;
    } else {
        uint64_t below = co_await chain_level<D - 1>();
        co_return below + 1;
    }
}

af::task<uint64_t> await_chain_main(uint64_t n) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; ++i) sum += co_await chain_level<chain_depth>();
    co_return sum;
}

// timeout_recv: a spawned producer sends n values through a bounded(1) channel; the main task
// receives each under its own 1 s af::time::timeout (so most receives wait, with a timer armed).
af::task<uint64_t> timeout_recv_main(uint64_t n) {
    auto ch = af::channel::mpsc::bounded<uint64_t>(1);
    af::join_handle<uint64_t> p = spawn(producer(std::move(ch.first), 0, n));
    uint64_t sum = 0;
    uint64_t count = 0;
    for (;;) {
        auto r = co_await af::time::timeout(std::chrono::seconds(1), ch.second.recv());
        if (!r) fail("timeout_recv: a receive timed out");
        std::optional<uint64_t> v = r.value();
        if (!v) break;
        sum += *v;
        ++count;
    }
    uint64_t sent = co_await p;
    compare::check_or_exit("received", count, n);
    compare::check_or_exit("sent", sent, n);
    co_return sum;
}

// --- oneshot: n times create a oneshot, send on it, await the receiver ------------------------

af::task<uint64_t> oneshot_main(uint64_t n) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; ++i) {
        auto ch = af::channel::oneshot::channel<uint64_t>();
        auto sent = ch.first.send(i);
        if (!sent) fail("oneshot: receiver gone");
        sum += co_await std::move(ch.second);
    }
    co_return sum;
}

// --- sleep: n tasks each sleeping 1 ms, joined -------------------------------------------------

af::task<uint64_t> sleeper() {
    co_await af::time::sleep(std::chrono::milliseconds(1));
    co_return 1;
}

af::task<uint64_t> sleep_main(uint64_t n) {
    std::vector<af::join_handle<uint64_t>> handles;
    handles.reserve(n);
    for (uint64_t i = 0; i < n; ++i) handles.push_back(spawn(sleeper()));
    uint64_t done = 0;
    for (auto& h : handles) done += co_await h;
    co_return done;
}

// --- tcp_echo: `conns` clients each send `msgs` 1 KiB messages and read each echo back ---------

// Echoes until the client shuts down its side; returns the bytes echoed.
af::task<uint64_t> echo_server(af::net::tcp_stream s) {
    std::array<std::byte, 4096> buf;
    uint64_t echoed = 0;
    for (;;) {
        std::size_t n = co_await s.read(buf);
        if (n == 0) co_return echoed;
        co_await s.write_all(std::span<const std::byte>(buf.data(), n));
        echoed += n;
    }
}

af::task<uint64_t> echo_accept(af::net::tcp_listener listener, uint64_t conns) {
    std::vector<af::join_handle<uint64_t>> handles;
    handles.reserve(conns);
    for (uint64_t c = 0; c < conns; ++c) {
        auto accepted = co_await listener.accept();
        accepted.first.set_nodelay(true);
        handles.push_back(spawn(echo_server(std::move(accepted.first))));
    }
    uint64_t echoed = 0;
    for (auto& h : handles) echoed += co_await h;
    co_return echoed;
}

// Returns the checksum of every echo; exits on an echo that differs from what was sent.
af::task<uint64_t> echo_client(af::net::socket_addr addr, uint64_t c, uint64_t msgs) {
    af::net::tcp_stream s = co_await af::net::tcp_stream::connect(addr);
    s.set_nodelay(true);
    std::array<unsigned char, compare::echo_msg> out;
    std::array<unsigned char, compare::echo_msg> back;
    compare::echo_init(out.data(), c);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < msgs; ++i) {
        compare::echo_stamp(out.data(), c, i);
        co_await s.write_all(std::as_bytes(std::span(out)));
        co_await s.read_exact(std::as_writable_bytes(std::span(back)));
        if (std::memcmp(out.data(), back.data(), out.size()) != 0) fail("check failed: an echo differs");
        sum += compare::echo_checksum(back.data());
    }
    s.shutdown(af::net::shutdown_how::write);
    std::size_t extra = co_await s.read(std::as_writable_bytes(std::span(back)));
    if (extra != 0) fail("check failed: bytes after the last echo");
    co_return sum;
}

struct echo_result {
    uint64_t checksum;
    uint64_t echoed;
};

af::task<echo_result> echo_main(uint64_t conns, uint64_t msgs) {
    auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
    af::net::socket_addr addr = listener.local_addr();
    af::join_handle<uint64_t> server = spawn(echo_accept(std::move(listener), conns));
    std::vector<af::join_handle<uint64_t>> clients;
    clients.reserve(conns);
    for (uint64_t c = 0; c < conns; ++c) clients.push_back(spawn(echo_client(addr, c, msgs)));
    uint64_t sum = 0;
    for (auto& h : clients) sum += co_await h;
    uint64_t echoed = co_await server;
    co_return echo_result{sum, echoed};
}

// --- idle_conns: n accepted connections whose tasks await a read that never comes ------------

// Parks on a read; the read returns 0 once the client is dropped at the end of the run.
// AF_COMPARE_IDLE_READ=<bytes>: the size of the parked read (default 64; a server's usual read
// buffer is 4-16 KiB, and on io_uring without a provided-buffer pool the socket holds a buffer
// that size while the read waits, design note 0019). af only: the peers' programs ignore it.
std::size_t idle_read_size() {
    const char* e = std::getenv("AF_COMPARE_IDLE_READ");
    return e != nullptr ? std::strtoull(e, nullptr, 10) : 64;
}

af::task<void> idle_server(af::net::tcp_stream s) {
    compare::drop_guard guard;
    std::vector<std::byte> buf(idle_read_size());
    compare::started.fetch_add(1, std::memory_order_relaxed);
    std::size_t n = co_await s.read(buf);
    if (n != 0) fail("check failed: an idle connection received bytes");
}

af::task<void> idle_accept(af::net::tcp_listener listener, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
        auto accepted = co_await listener.accept();
        spawn(idle_server(std::move(accepted.first))).detach();
    }
}

// Returns the peak RSS (kB) with n connections open and every server task parked.
af::task<long> idle_conns_main(uint64_t n) {
    auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
    af::net::socket_addr addr = listener.local_addr();
    af::join_handle<void> acceptor = spawn(idle_accept(std::move(listener), n));
    std::vector<af::net::tcp_stream> clients;
    clients.reserve(n);
    for (uint64_t i = 0; i < n; ++i) clients.push_back(co_await af::net::tcp_stream::connect(addr));
    co_await acceptor;
    while (compare::started.load(std::memory_order_relaxed) < n) co_await af::yield_now();
    long peak = compare::proc_status_kb("VmHWM");
    clients.clear();  // every idle read now returns 0 and its task ends
    while (compare::dropped.load(std::memory_order_relaxed) < n) co_await af::yield_now();
    co_return peak;
}

// --- executors -------------------------------------------------------------------------------

template <class Exec>
constexpr bool is_runtime = std::is_same_v<Exec, af::rt::runtime>;

template <class Exec, class Future>
uint64_t run_on(Exec& exec, Future f) {
    if constexpr (std::is_same_v<Exec, af::executor::local_pool>) {
        return exec.run_until(std::move(f));
    } else if constexpr (is_runtime<Exec>) {
        return exec.block_on(std::move(f));
    } else {
        return af::block_on(std::move(f));
    }
}

template <class Exec>
[[gnu::noinline]] uint64_t bench_run_spawn_join(Exec& exec, uint64_t n) { return run_on(exec, spawn_join(n)); }
template <class Exec>
[[gnu::noinline]] uint64_t bench_run_yield(Exec& exec, uint64_t tasks, uint64_t yields) {
    return run_on(exec, yield_main(tasks, yields));
}
template <class Exec>
[[gnu::noinline]] uint64_t bench_run_chain(Exec& exec, uint64_t depth) {
    // The root is spawned too, so that every level of the chain is a spawned task.
    if constexpr (is_runtime<Exec>) {
        return exec.block_on(exec.spawn(chain(depth)));
    } else {
        return run_on(exec, spawn(chain(depth)));
    }
}
[[gnu::noinline]] uint64_t bench_run_ping_pong(af::rt::runtime& rt, uint64_t n) { return rt.block_on(ping_pong_main(n)); }
[[gnu::noinline]] uint64_t bench_run_mpsc(af::rt::runtime& rt, uint64_t producers, uint64_t m) {
    return rt.block_on(mpsc_main(producers, m));
}
[[gnu::noinline]] uint64_t bench_run_oneshot(af::rt::runtime& rt, uint64_t n) { return rt.block_on(oneshot_main(n)); }
[[gnu::noinline]] echo_result bench_run_tcp_echo(af::rt::runtime& rt, uint64_t conns, uint64_t msgs) {
    return rt.block_on(echo_main(conns, msgs));
}
[[gnu::noinline]] uint64_t bench_run_sleep(af::rt::runtime& rt, uint64_t n) { return rt.block_on(sleep_main(n)); }
[[gnu::noinline]] uint64_t bench_run_yield_main(af::rt::runtime& rt, uint64_t n) { return rt.block_on(yield_main_task(n)); }
[[gnu::noinline]] uint64_t bench_run_ping_pong_main(af::rt::runtime& rt, uint64_t n) {
    return rt.block_on(ping_pong_main_task(n));
}
[[gnu::noinline]] uint64_t bench_run_await_chain(af::rt::runtime& rt, uint64_t n) { return rt.block_on(await_chain_main(n)); }
[[gnu::noinline]] uint64_t bench_run_timeout_recv(af::rt::runtime& rt, uint64_t n) {
    return rt.block_on(timeout_recv_main(n));
}

// The workloads every executor runs; true if `a.workload` was one of them.
template <class Exec>
bool run_executor_workload(const compare::args& a, Exec& exec) {
    if (a.workload == "spawn_join") {
        compare::stopwatch sw;
        uint64_t sum = bench_run_spawn_join(exec, a.n);
        double s = sw.seconds();
        compare::check(a, "sum", sum, a.n * (a.n - 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "yield") {
        compare::stopwatch sw;
        uint64_t total = bench_run_yield(exec, a.n, a.m);
        double s = sw.seconds();
        compare::check(a, "yields", total, a.n * a.m);
        compare::report(a, s);
    } else if (a.workload == "chain") {
        compare::stopwatch sw;
        uint64_t depth = bench_run_chain(exec, a.n);
        double s = sw.seconds();
        compare::check(a, "depth", depth, a.n);
        compare::report(a, s);
    } else {
        return false;
    }
    return true;
}

template <class Pool>
void run_pool(const compare::args& a, Pool& pool) {
    af::executor::spawner sp = pool.spawner();
    g_spawner = &sp;
    if (!run_executor_workload(a, pool)) compare::unknown(a);
    g_spawner = nullptr;
}

void run_runtime(const compare::args& a, af::rt::runtime& rt) {
    if (run_executor_workload(a, rt)) return;
    if (a.workload == "ping_pong") {
        compare::stopwatch sw;
        uint64_t sum = bench_run_ping_pong(rt, a.n);
        double s = sw.seconds();
        compare::check(a, "sum", sum, a.n * (a.n + 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "mpsc") {
        compare::stopwatch sw;
        uint64_t sum = bench_run_mpsc(rt, a.n, a.m);
        double s = sw.seconds();
        compare::check(a, "sum", sum, a.n * a.m * (a.n * a.m - 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "yield_main") {
        compare::stopwatch sw;
        uint64_t done = bench_run_yield_main(rt, a.n);
        double s = sw.seconds();
        compare::check(a, "yields", done, a.n);
        compare::report(a, s);
    } else if (a.workload == "ping_pong_main") {
        compare::stopwatch sw;
        uint64_t sum = bench_run_ping_pong_main(rt, a.n);
        double s = sw.seconds();
        compare::check(a, "sum", sum, a.n * (a.n + 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "await_chain") {
        compare::stopwatch sw;
        uint64_t sum = bench_run_await_chain(rt, a.n);
        double s = sw.seconds();
        compare::check(a, "depths", sum, a.n * chain_depth);
        compare::report(a, s);
    } else if (a.workload == "timeout_recv") {
        compare::stopwatch sw;
        uint64_t sum = bench_run_timeout_recv(rt, a.n);
        double s = sw.seconds();
        compare::check(a, "sum", sum, a.n * (a.n - 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "oneshot") {
        compare::stopwatch sw;
        uint64_t sum = bench_run_oneshot(rt, a.n);
        double s = sw.seconds();
        compare::check(a, "sum", sum, a.n * (a.n - 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "tcp_echo") {
        compare::stopwatch sw;
        echo_result r = bench_run_tcp_echo(rt, a.n, a.m);
        double s = sw.seconds();
        compare::check(a, "bytes echoed", r.echoed, a.n * a.m * compare::echo_msg);
        compare::check(a, "checksum", r.checksum, compare::echo_expected(a.n, a.m));
        compare::report(a, s);
    } else if (a.workload == "idle_conns") {
        compare::args used = a;
        used.n = compare::idle_conns_fit(a.n);
        long base = compare::proc_status_kb("VmRSS");
        compare::stopwatch sw;
        long peak = rt.block_on(idle_conns_main(used.n));
        double s = sw.seconds();
        compare::check(used, "started", compare::started.load(), used.n);
        compare::check(used, "dropped", compare::dropped.load(), used.n);
        compare::report(used, s, base, peak);
    } else if (a.workload == "sleep") {
        long base = compare::proc_status_kb("VmRSS");
        compare::stopwatch sw;
        uint64_t done = bench_run_sleep(rt, a.n);
        double s = sw.seconds();
        long peak = compare::proc_status_kb("VmHWM");
        compare::check(a, "slept", done, a.n);
        compare::report(a, s, base, peak);
    } else {
        compare::unknown(a);
    }
}

void run_idle(const compare::args& a) {
    g_lot.wakers.reserve(a.n);
    long base = 0;
    long peak = 0;
    double s = 0;
    auto clear_lot = [] {
        std::lock_guard lk(g_lot.m);
        g_lot.wakers.clear();
    };
    // Waits (on the calling thread) until every idle task has parked. Starting 1M tasks takes
    // about a second; a minute without all of them means the executor stopped running its
    // queue, which must fail the run rather than hang it.
    auto wait_started = [&a] {
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (compare::started.load(std::memory_order_relaxed) < a.n) {
            if (std::chrono::steady_clock::now() > give_up) {
                std::fprintf(stderr, "%s idle_memory: stalled: %llu of %llu tasks started after 60 s\n",
                             a.system.c_str(), static_cast<unsigned long long>(compare::started.load()),
                             static_cast<unsigned long long>(a.n));
                std::_Exit(1);  // the runtime's destructor would wait for the stalled workers
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    };
    if (a.system == "af-local") {
        af::executor::local_pool pool;
        base = compare::proc_status_kb("VmRSS");
        compare::stopwatch sw;
        for (uint64_t i = 0; i < a.n; ++i) pool.spawn(idle_task()).detach();
        pool.run_until_stalled();
        s = sw.seconds();
        peak = compare::proc_status_kb("VmHWM");
        compare::check(a, "started", compare::started.load(), a.n);
        clear_lot();
        // The pool's destructor cancels the n pending tasks.
    } else if (a.system == "af-pool2") {
        af::executor::thread_pool pool(2);
        base = compare::proc_status_kb("VmRSS");
        compare::stopwatch sw;
        for (uint64_t i = 0; i < a.n; ++i) pool.spawn(idle_task()).detach();
        wait_started();
        s = sw.seconds();
        peak = compare::proc_status_kb("VmHWM");
        pool.shutdown();
        clear_lot();
    } else {
        bool ct = a.system.starts_with("af-rt-ct");
        af::rt::builder b;
        if (ct) b.current_thread();
        else b.multi_thread().worker_threads(2);
        if (!a.system.ends_with("-min")) b.enable_all();  // as users build it; -min: no driver
        af::rt::runtime rt = b.build();
        base = compare::proc_status_kb("VmRSS");
        compare::stopwatch sw;
        uint64_t n = a.n;
        if (ct) {
            // Tasks of a current_thread runtime run only inside block_on, as in tokio.
            rt.block_on([n]() -> af::task<void> {
                for (uint64_t i = 0; i < n; ++i) spawn(idle_task()).detach();
                while (compare::started.load(std::memory_order_relaxed) < n) co_await af::yield_now();
            });
        } else {
            rt.block_on([n]() -> af::task<void> {
                for (uint64_t i = 0; i < n; ++i) spawn(idle_task()).detach();
                co_return;
            });
            wait_started();
        }
        s = sw.seconds();
        peak = compare::proc_status_kb("VmHWM");
        clear_lot();
        // Dropping the runtime cancels the n pending tasks.
    }
    compare::check(a, "dropped", compare::dropped.load(), a.n);
    compare::report(a, s, base, peak);
}

}  // namespace

int main(int argc, char** argv) {
    compare::args a = compare::parse(argc, argv);
    const bool minimal = a.system == "af-rt-ct-min" || a.system == "af-rt-mt2-min";
    if (a.system != "af-local" && a.system != "af-pool2" && a.system != "af-rt-ct" && a.system != "af-rt-mt2" &&
        !minimal) {
        compare::unknown(a);
    }
    if (a.workload == "idle_memory") {
        run_idle(a);
    } else if (a.system == "af-local") {
        af::executor::local_pool pool;
        run_pool(a, pool);
    } else if (a.system == "af-pool2") {
        af::executor::thread_pool pool(2);
        run_pool(a, pool);
    } else {
        // Every driver, as users build it (and as the tokio program does); the -min systems
        // only what the workload needs, as in the tokio program's -min systems.
        af::rt::builder b;
        if (a.system.starts_with("af-rt-ct")) {
            b.current_thread();
        } else {
            b.multi_thread().worker_threads(2);
        }
        if (!minimal) {
            b.enable_all();
        } else {
            if (a.workload == "sleep" || a.workload == "timeout_recv") b.enable_time();
            if (a.workload == "tcp_echo" || a.workload == "idle_conns") b.enable_io();
        }
        // AF_COMPARE_IO=epoll|io_uring: measure one backend (default: the runtime's automatic choice).
        if (const char* io = std::getenv("AF_COMPARE_IO")) {
            std::string_view k(io);
            if (k == "epoll") b.io_backend(af::rt::io_backend::epoll);
            else if (k == "io_uring") b.io_backend(af::rt::io_backend::io_uring);
            else if (!k.empty()) fail("AF_COMPARE_IO must be epoll or io_uring");
        }
        af::rt::runtime rt = b.build();
        run_runtime(a, rt);
    }
    return 0;
}

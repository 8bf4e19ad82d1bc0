// SPDX-License-Identifier: MIT
/// \file
/// The Asio side of the side-by-side comparison (docs/benchmarks.md): Boost 1.81's Asio with
/// C++20 coroutines (`awaitable`, `co_spawn`) on an `io_context` run by one thread ("asio-1t",
/// concurrency hint 1) or by two threads ("asio-2t").
///
///     asio_compare asio-1t spawn_join 1000000
///
/// Asio has no join handle: a `co_spawn` completion handler is the idiomatic way to collect a
/// spawned coroutine's result, and `co_await co_spawn(ex, f, use_awaitable)` the way to await
/// one. A yield is `co_await post(ex, use_awaitable)`. Each `bench_run_*` function is the
/// measured region; callgrind counts instructions only inside them.
///
/// Channels are `experimental::channel` (one thread) and `experimental::concurrent_channel`
/// (two threads: the plain channel is not thread-safe) carrying `void(error_code, uint64_t)`.
/// Asio has no oneshot: the oneshot workload uses a capacity-1 channel per value. Sleeps are
/// `steady_timer::async_wait`. A receive under a timeout is `receive || timer.async_wait` (the
/// awaitable operators; the loser is cancelled). Asio has no `block_on`: the "main task"
/// workloads run their main coroutine on the io_context like every other. Sockets are `ip::tcp::acceptor` / `ip::tcp::socket` with
/// `async_read_some`, `async_read` (exact) and `async_write`.
#include <array>    // message buffers
#include <atomic>   // results collected from two threads
#include <chrono>   // the polling interval of the two-thread idle workload
#include <cstdint>  // std::uint64_t
#include <cstdio>   // std::fprintf
#include <cstdlib>  // std::exit
#include <cstring>  // std::memcmp
#include <exception>  // std::exception_ptr
#include <mutex>    // the handler lot
#include <thread>   // the second io_context thread
#include <variant>  // the outcome of a receive raced against its timer
#include <vector>   // the handler lot

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "compare_common.hpp"

namespace {

namespace asio = boost::asio;
using std::uint64_t;

struct results {
    std::atomic<uint64_t> sum{0};
    std::atomic<uint64_t> count{0};
};

// Collects a spawned coroutine's value, as a join handle would. Relaxed: read after run()
// returned, which orders every handler before it.
auto collect(results& r) {
    return [&r](std::exception_ptr e, uint64_t v) {
        if (e) std::rethrow_exception(e);
        r.sum.fetch_add(v, std::memory_order_relaxed);
        r.count.fetch_add(1, std::memory_order_relaxed);
    };
}

// Runs the io_context on `threads` threads (this one included) until it runs out of work.
void run_threads(asio::io_context& ctx, int threads) {
    std::vector<std::thread> extra;
    for (int i = 1; i < threads; ++i) extra.emplace_back([&ctx] { ctx.run(); });
    ctx.run();
    for (auto& t : extra) t.join();
}

// --- spawn_join ------------------------------------------------------------------------------

asio::awaitable<uint64_t> leaf(uint64_t i) { co_return i; }

asio::awaitable<void> spawn_join(uint64_t n, results& r) {
    auto ex = co_await asio::this_coro::executor;
    for (uint64_t i = 0; i < n; ++i) asio::co_spawn(ex, leaf(i), collect(r));
}

// --- yield -----------------------------------------------------------------------------------

asio::awaitable<uint64_t> yielder(uint64_t yields) {
    auto ex = co_await asio::this_coro::executor;
    uint64_t done = 0;
    for (uint64_t i = 0; i < yields; ++i) {
        co_await asio::post(ex, asio::use_awaitable);
        ++done;
    }
    co_return done;
}

asio::awaitable<void> yield_main(uint64_t tasks, uint64_t yields, results& r) {
    auto ex = co_await asio::this_coro::executor;
    for (uint64_t i = 0; i < tasks; ++i) asio::co_spawn(ex, yielder(yields), collect(r));
}

// --- chain -----------------------------------------------------------------------------------

// A plain co_spawn onto the running io_context dispatches: the child starts inline, on the
// parent's stack, so a chain of spawns recurses and overflows an 8 MiB stack near depth 100,000.
// blocking.never makes the spawn queue the child, as spawning does in af, tokio and futures-rs.
asio::awaitable<uint64_t> chain(uint64_t depth) {
    if (depth == 0) co_return 0;
    auto ex = asio::require(co_await asio::this_coro::executor, asio::execution::blocking.never);
    uint64_t below = co_await asio::co_spawn(ex, chain(depth - 1), asio::use_awaitable);
    co_return below + 1;
}

// --- idle_memory -----------------------------------------------------------------------------

// Parked coroutines' completion handlers, kept as the handler type itself (no type-erasing
// allocation). A suspended Asio coroutine is owned by its pending handler: destroying the
// handler unwinds the coroutine (through a post to its executor).
template <class Handler>
std::vector<Handler>& lot_of() {
    static std::vector<Handler> lot;
    return lot;
}
std::mutex g_lot_mutex;

struct park_initiation {
    template <class Handler>
    void operator()(Handler&& h) const {
        std::lock_guard lk(g_lot_mutex);
        lot_of<std::decay_t<Handler>>().push_back(std::move(h));
        compare::started.fetch_add(1, std::memory_order_relaxed);
    }
};

template <class Token>
auto park(Token&& token) {
    return asio::async_initiate<Token, void()>(park_initiation{}, token);
}

using park_handler = asio::detail::awaitable_handler<asio::any_io_executor>;

asio::awaitable<void> idle_task() {
    compare::drop_guard guard;
    co_await park(asio::use_awaitable);
}

// --- ping_pong -------------------------------------------------------------------------------

using plain_channel = asio::experimental::channel<void(boost::system::error_code, uint64_t)>;
using shared_channel = asio::experimental::concurrent_channel<void(boost::system::error_code, uint64_t)>;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::exit(1);
}

// Sends i, waits for the answer (i + 1); closes its channel at the end; returns the sum.
template <class Channel>
asio::awaitable<uint64_t> pinger(Channel& ping, Channel& pong, uint64_t n) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; ++i) {
        co_await ping.async_send(boost::system::error_code{}, i, asio::use_awaitable);
        sum += co_await pong.async_receive(asio::use_awaitable);
    }
    ping.close();
    co_return sum;
}

// Answers every v with v + 1 until the ping channel is closed; returns the count.
template <class Channel>
asio::awaitable<uint64_t> ponger(Channel& ping, Channel& pong) {
    uint64_t count = 0;
    for (;;) {
        auto [ec, v] = co_await ping.async_receive(asio::as_tuple(asio::use_awaitable));
        if (ec) break;
        co_await pong.async_send(boost::system::error_code{}, v + 1, asio::use_awaitable);
        ++count;
    }
    co_return count;
}

// --- mpsc ----------------------------------------------------------------------------------------

template <class Channel>
asio::awaitable<uint64_t> producer(Channel& ch, uint64_t first, uint64_t m) {
    for (uint64_t i = 0; i < m; ++i) co_await ch.async_send(boost::system::error_code{}, first + i, asio::use_awaitable);
    co_return m;
}

// The consumer knows how many values come (Asio channels have no sender count to end on).
template <class Channel>
asio::awaitable<uint64_t> consumer(Channel& ch, uint64_t total, uint64_t& received) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < total; ++i) {
        sum += co_await ch.async_receive(asio::use_awaitable);
        ++received;
    }
    co_return sum;
}

// --- main task: yields, an await chain, a receive under a timeout -----------------------------

asio::awaitable<uint64_t> yield_main_task(uint64_t n) {
    auto ex = co_await asio::this_coro::executor;
    uint64_t done = 0;
    for (uint64_t i = 0; i < n; ++i) {
        co_await asio::post(ex, asio::use_awaitable);
        ++done;
    }
    co_return done;
}

// An await chain of depth 100: every level a distinct coroutine, the leaf yielding once.
constexpr int chain_depth = 100;

template <int D>
asio::awaitable<uint64_t> chain_level() {
    if constexpr (D == 0) {
        auto ex = co_await asio::this_coro::executor;
        co_await asio::post(ex, asio::use_awaitable);
        co_return 0;
    } else {
        uint64_t below = co_await chain_level<D - 1>();
        co_return below + 1;
    }
}

asio::awaitable<uint64_t> await_chain_main(uint64_t n) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; ++i) sum += co_await chain_level<chain_depth>();
    co_return sum;
}

// Receives `total` values, each under its own 1 s timer.
template <class Channel>
asio::awaitable<uint64_t> timeout_consumer(Channel& ch, uint64_t total, uint64_t& received) {
    using namespace asio::experimental::awaitable_operators;
    auto ex = co_await asio::this_coro::executor;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < total; ++i) {
        asio::steady_timer t(ex, std::chrono::seconds(1));
        auto r = co_await (ch.async_receive(asio::use_awaitable) || t.async_wait(asio::use_awaitable));
        if (r.index() != 0) fail("timeout_recv: a receive timed out");
        sum += std::get<0>(r);
        ++received;
    }
    co_return sum;
}

// --- oneshot ---------------------------------------------------------------------------------

template <class Channel>
asio::awaitable<uint64_t> oneshot_main(uint64_t n) {
    auto ex = co_await asio::this_coro::executor;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; ++i) {
        Channel ch(ex, 1);
        if (!ch.try_send(boost::system::error_code{}, i)) fail("oneshot: send failed");
        sum += co_await ch.async_receive(asio::use_awaitable);
    }
    co_return sum;
}

// --- sleep -----------------------------------------------------------------------------------

asio::awaitable<uint64_t> sleeper() {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(1));
    co_await t.async_wait(asio::use_awaitable);
    co_return 1;
}

asio::awaitable<void> sleep_main(uint64_t n, results& r) {
    auto ex = co_await asio::this_coro::executor;
    for (uint64_t i = 0; i < n; ++i) asio::co_spawn(ex, sleeper(), collect(r));
}

// --- measured regions ------------------------------------------------------------------------

[[gnu::noinline]] void bench_run_spawn_join(asio::io_context& ctx, int threads, uint64_t n, results& r) {
    asio::co_spawn(ctx, spawn_join(n, r), asio::detached);
    run_threads(ctx, threads);
}
[[gnu::noinline]] void bench_run_yield(asio::io_context& ctx, int threads, uint64_t tasks, uint64_t yields,
                                       results& r) {
    asio::co_spawn(ctx, yield_main(tasks, yields, r), asio::detached);
    run_threads(ctx, threads);
}
[[gnu::noinline]] void bench_run_chain(asio::io_context& ctx, int threads, uint64_t depth, results& r) {
    asio::co_spawn(ctx, chain(depth), collect(r));
    run_threads(ctx, threads);
}

template <class Channel>
[[gnu::noinline]] void bench_run_ping_pong(asio::io_context& ctx, int threads, uint64_t n, results& ping,
                                           results& pong) {
    Channel a(ctx, 1);
    Channel b(ctx, 1);
    asio::co_spawn(ctx, pinger(a, b, n), collect(ping));
    asio::co_spawn(ctx, ponger(a, b), collect(pong));
    run_threads(ctx, threads);
}
template <class Channel>
[[gnu::noinline]] void bench_run_mpsc(asio::io_context& ctx, int threads, uint64_t producers, uint64_t m,
                                      results& sent, results& got, uint64_t& received) {
    Channel ch(ctx, 1024);
    for (uint64_t p = 0; p < producers; ++p) asio::co_spawn(ctx, producer(ch, p * m, m), collect(sent));
    asio::co_spawn(ctx, consumer(ch, producers * m, received), collect(got));
    run_threads(ctx, threads);
}
[[gnu::noinline]] void bench_run_yield_main(asio::io_context& ctx, int threads, uint64_t n, results& r) {
    asio::co_spawn(ctx, yield_main_task(n), collect(r));
    run_threads(ctx, threads);
}
[[gnu::noinline]] void bench_run_await_chain(asio::io_context& ctx, int threads, uint64_t n, results& r) {
    asio::co_spawn(ctx, await_chain_main(n), collect(r));
    run_threads(ctx, threads);
}
template <class Channel>
[[gnu::noinline]] void bench_run_timeout_recv(asio::io_context& ctx, int threads, uint64_t n, results& sent,
                                              results& got, uint64_t& received) {
    Channel ch(ctx, 1);
    asio::co_spawn(ctx, producer(ch, 0, n), collect(sent));
    asio::co_spawn(ctx, timeout_consumer(ch, n, received), collect(got));
    run_threads(ctx, threads);
}
template <class Channel>
[[gnu::noinline]] void bench_run_oneshot(asio::io_context& ctx, int threads, uint64_t n, results& r) {
    asio::co_spawn(ctx, oneshot_main<Channel>(n), collect(r));
    run_threads(ctx, threads);
}
[[gnu::noinline]] void bench_run_sleep(asio::io_context& ctx, int threads, uint64_t n, results& r) {
    asio::co_spawn(ctx, sleep_main(n, r), asio::detached);
    run_threads(ctx, threads);
}

template <class Channel>
void run_channels(const compare::args& a, asio::io_context& ctx, int threads) {
    // ping_pong_main: Asio has no block_on, its pinger is already a coroutine on the io_context.
    if (a.workload == "ping_pong" || a.workload == "ping_pong_main") {
        results ping, pong;
        compare::stopwatch sw;
        bench_run_ping_pong<Channel>(ctx, threads, a.n, ping, pong);
        double s = sw.seconds();
        compare::check(a, "round trips", pong.sum.load(), a.n);
        compare::check(a, "sum", ping.sum.load(), a.n * (a.n + 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "mpsc") {
        results sent, got;
        uint64_t received = 0;
        compare::stopwatch sw;
        bench_run_mpsc<Channel>(ctx, threads, a.n, a.m, sent, got, received);
        double s = sw.seconds();
        uint64_t total = a.n * a.m;
        compare::check(a, "received", received, total);
        compare::check(a, "sent", sent.sum.load(), total);
        compare::check(a, "sum", got.sum.load(), total * (total - 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "timeout_recv") {
        results sent, got;
        uint64_t received = 0;
        compare::stopwatch sw;
        bench_run_timeout_recv<Channel>(ctx, threads, a.n, sent, got, received);
        double s = sw.seconds();
        compare::check(a, "received", received, a.n);
        compare::check(a, "sent", sent.sum.load(), a.n);
        compare::check(a, "sum", got.sum.load(), a.n * (a.n - 1) / 2);
        compare::report(a, s);
    } else {
        results r;
        compare::stopwatch sw;
        bench_run_oneshot<Channel>(ctx, threads, a.n, r);
        double s = sw.seconds();
        compare::check(a, "sum", r.sum.load(), a.n * (a.n - 1) / 2);
        compare::report(a, s);
    }
}

void run_idle(const compare::args& a, asio::io_context& ctx, int threads) {
    // park_handler is what `co_await park(use_awaitable)` hands to park_initiation; the
    // size check below fails if that ever changes (the handlers would land in another lot).
    lot_of<park_handler>().reserve(a.n);
    long base = compare::proc_status_kb("VmRSS");
    compare::stopwatch sw;
    for (uint64_t i = 0; i < a.n; ++i) asio::co_spawn(ctx, idle_task(), asio::detached);
    std::vector<std::thread> extra;
    if (threads == 1) {
        // Parked coroutines hold work guards, so run() would never return: poll() runs until
        // nothing is ready, like local_pool::run_until_stalled.
        while (compare::started.load(std::memory_order_relaxed) < a.n) ctx.poll();
    } else {
        for (int i = 0; i < threads; ++i) extra.emplace_back([&ctx] { ctx.run(); });
        while (compare::started.load(std::memory_order_relaxed) < a.n) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }
    double s = sw.seconds();
    long peak = compare::proc_status_kb("VmHWM");
    {
        std::lock_guard lk(g_lot_mutex);
        compare::check(a, "parked handlers", lot_of<park_handler>().size(), a.n);
        // Destroying the handlers posts the unwinding of their coroutines.
        lot_of<park_handler>().clear();
    }
    if (threads == 1) {
        ctx.restart();
        ctx.run();
    } else {
        for (auto& t : extra) t.join();
    }
    compare::check(a, "dropped", compare::dropped.load(), a.n);
    compare::report(a, s, base, peak);
}

// --- tcp_echo: `conns` clients each send `msgs` 1 KiB messages and read each echo back ---------

using tcp = asio::ip::tcp;

[[noreturn]] void fail_net(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::exit(1);
}

// Echoes until the client shuts down its side; returns the bytes echoed.
asio::awaitable<uint64_t> echo_server(tcp::socket s) {
    std::array<unsigned char, 4096> buf;
    uint64_t echoed = 0;
    for (;;) {
        auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::eof) co_return echoed;
        if (ec) fail_net("server read failed");
        co_await asio::async_write(s, asio::buffer(buf.data(), n), asio::use_awaitable);
        echoed += n;
    }
}

asio::awaitable<void> echo_accept(tcp::acceptor& acceptor, uint64_t conns, results& r) {
    auto ex = co_await asio::this_coro::executor;
    for (uint64_t c = 0; c < conns; ++c) {
        tcp::socket s = co_await acceptor.async_accept(asio::use_awaitable);
        s.set_option(tcp::no_delay(true));
        asio::co_spawn(ex, echo_server(std::move(s)), collect(r));
    }
}

// Returns the checksum of every echo; exits on an echo that differs from what was sent.
asio::awaitable<uint64_t> echo_client(tcp::endpoint server, uint64_t c, uint64_t msgs) {
    tcp::socket s(co_await asio::this_coro::executor);
    co_await s.async_connect(server, asio::use_awaitable);
    s.set_option(tcp::no_delay(true));
    std::array<unsigned char, compare::echo_msg> out;
    std::array<unsigned char, compare::echo_msg> back;
    compare::echo_init(out.data(), c);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < msgs; ++i) {
        compare::echo_stamp(out.data(), c, i);
        co_await asio::async_write(s, asio::buffer(out), asio::use_awaitable);
        co_await asio::async_read(s, asio::buffer(back), asio::use_awaitable);
        if (std::memcmp(out.data(), back.data(), out.size()) != 0) fail_net("check failed: an echo differs");
        sum += compare::echo_checksum(back.data());
    }
    s.shutdown(tcp::socket::shutdown_send);
    auto [ec, extra] = co_await s.async_read_some(asio::buffer(back), asio::as_tuple(asio::use_awaitable));
    if (ec != asio::error::eof || extra != 0) fail_net("check failed: bytes after the last echo");
    co_return sum;
}

[[gnu::noinline]] void bench_run_tcp_echo(asio::io_context& ctx, int threads, uint64_t conns, uint64_t msgs,
                                          results& server, results& clients) {
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::endpoint addr = acceptor.local_endpoint();
    asio::co_spawn(ctx, echo_accept(acceptor, conns, server), asio::detached);
    for (uint64_t c = 0; c < conns; ++c) asio::co_spawn(ctx, echo_client(addr, c, msgs), collect(clients));
    run_threads(ctx, threads);
}

// --- idle_conns: n accepted connections whose coroutines await a read that never comes -------

// Parks on a read; the read ends with eof once the client is closed at the end of the run.
asio::awaitable<void> idle_server(tcp::socket s) {
    compare::drop_guard guard;
    std::array<unsigned char, 64> buf;
    compare::started.fetch_add(1, std::memory_order_relaxed);
    auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    if (ec != asio::error::eof || n != 0) fail_net("check failed: an idle connection received bytes");
}

asio::awaitable<void> idle_accept(tcp::acceptor& acceptor, uint64_t n) {
    auto ex = co_await asio::this_coro::executor;
    for (uint64_t i = 0; i < n; ++i) {
        tcp::socket s = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(ex, idle_server(std::move(s)), asio::detached);
    }
}

// Records the peak RSS (kB) with n connections open and every server coroutine parked.
asio::awaitable<void> idle_conns_main(tcp::endpoint server, uint64_t n, long& peak) {
    auto ex = co_await asio::this_coro::executor;
    std::vector<tcp::socket> clients;
    clients.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
        clients.emplace_back(ex);
        co_await clients.back().async_connect(server, asio::use_awaitable);
    }
    while (compare::started.load(std::memory_order_relaxed) < n) co_await asio::post(ex, asio::use_awaitable);
    peak = compare::proc_status_kb("VmHWM");
    clients.clear();  // every idle read now ends with eof and its coroutine returns
}

void run_idle_conns(const compare::args& a, asio::io_context& ctx, int threads) {
    compare::args used = a;
    used.n = compare::idle_conns_fit(a.n);
    long base = compare::proc_status_kb("VmRSS");
    long peak = 0;
    compare::stopwatch sw;
    {
        tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        asio::co_spawn(ctx, idle_accept(acceptor, used.n), asio::detached);
        asio::co_spawn(ctx, idle_conns_main(acceptor.local_endpoint(), used.n, peak), asio::detached);
        run_threads(ctx, threads);
    }
    double s = sw.seconds();
    compare::check(used, "started", compare::started.load(), used.n);
    compare::check(used, "dropped", compare::dropped.load(), used.n);
    compare::report(used, s, base, peak);
}

}  // namespace

int main(int argc, char** argv) {
    compare::args a = compare::parse(argc, argv);
    int threads = 0;
    if (a.system == "asio-1t") threads = 1;
    else if (a.system == "asio-2t") threads = 2;
    else compare::unknown(a);
    asio::io_context ctx(threads);
    results r;
    if (a.workload == "spawn_join") {
        compare::stopwatch sw;
        bench_run_spawn_join(ctx, threads, a.n, r);
        double s = sw.seconds();
        compare::check(a, "count", r.count.load(), a.n);
        compare::check(a, "sum", r.sum.load(), a.n * (a.n - 1) / 2);
        compare::report(a, s);
    } else if (a.workload == "yield") {
        compare::stopwatch sw;
        bench_run_yield(ctx, threads, a.n, a.m, r);
        double s = sw.seconds();
        compare::check(a, "count", r.count.load(), a.n);
        compare::check(a, "yields", r.sum.load(), a.n * a.m);
        compare::report(a, s);
    } else if (a.workload == "chain") {
        compare::stopwatch sw;
        bench_run_chain(ctx, threads, a.n, r);
        double s = sw.seconds();
        compare::check(a, "depth", r.sum.load(), a.n);
        compare::report(a, s);
    } else if (a.workload == "yield_main") {
        compare::stopwatch sw;
        bench_run_yield_main(ctx, threads, a.n, r);
        double s = sw.seconds();
        compare::check(a, "yields", r.sum.load(), a.n);
        compare::report(a, s);
    } else if (a.workload == "await_chain") {
        compare::stopwatch sw;
        bench_run_await_chain(ctx, threads, a.n, r);
        double s = sw.seconds();
        compare::check(a, "depths", r.sum.load(), a.n * chain_depth);
        compare::report(a, s);
    } else if (a.workload == "ping_pong" || a.workload == "ping_pong_main" || a.workload == "mpsc" ||
               a.workload == "oneshot" || a.workload == "timeout_recv") {
        if (threads == 1) {
            run_channels<plain_channel>(a, ctx, threads);
        } else {
            run_channels<shared_channel>(a, ctx, threads);
        }
    } else if (a.workload == "sleep") {
        long base = compare::proc_status_kb("VmRSS");
        compare::stopwatch sw;
        bench_run_sleep(ctx, threads, a.n, r);
        double s = sw.seconds();
        long peak = compare::proc_status_kb("VmHWM");
        compare::check(a, "count", r.count.load(), a.n);
        compare::check(a, "slept", r.sum.load(), a.n);
        compare::report(a, s, base, peak);
    } else if (a.workload == "idle_memory") {
        run_idle(a, ctx, threads);
    } else if (a.workload == "tcp_echo") {
        results server, clients;
        compare::stopwatch sw;
        bench_run_tcp_echo(ctx, threads, a.n, a.m, server, clients);
        double s = sw.seconds();
        compare::check(a, "connections", clients.count.load(), a.n);
        compare::check(a, "bytes echoed", server.sum.load(), a.n * a.m * compare::echo_msg);
        compare::check(a, "checksum", clients.sum.load(), compare::echo_expected(a.n, a.m));
        compare::report(a, s);
    } else if (a.workload == "idle_conns") {
        run_idle_conns(a, ctx, threads);
    } else {
        compare::unknown(a);
    }
    return 0;
}

// SPDX-License-Identifier: MIT
/// reactor_bench: the epoll and io_uring reactors side by side on the running kernel.
///
/// Three workloads, each run for both backends in one process, interleaved (epoll, io_uring,
/// epoll, ...) so that load from other processes hits both alike; the median of the runs is
/// reported (docs/design/0008-reactor.md):
///   pingpong   one byte back and forth over two pipes between two tasks (round trips)
///   echo       64 TCP loopback connections, each sending fixed-count 1 KiB messages that a
///              server task echoes back, on multi_thread(2) (one reactor shared by both
///              workers) and on thread_per_core(2) (a reactor per worker)
/// It drives af::rt::detail::io_source directly (no af::net), so it measures the reactors and
/// the runtime, nothing above them.
///
///     bench/reactor/run.sh                 # builds against build-uring-rel, runs 7 rounds
///     reactor_bench --rounds 5 --pingpong 100000 --messages 500
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "af/core/task.hpp"
#include "af/future/poll_fn.hpp"
#include "af/rt/detail/reactor.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"

namespace {

using af::rt::io_backend;
using af::rt::detail::io_source;
using clock_type = std::chrono::steady_clock;

af::rt::detail::reactor& here() { return af::rt::detail::require_reactor("reactor_bench"); }

af::task<long> read_exact(io_source* s, char* buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        long r = co_await af::poll_fn([&](af::context& cx) { return s->poll_read(cx, buf + got, n - got); });
        if (r <= 0) co_return r;
        got += static_cast<std::size_t>(r);
    }
    co_return static_cast<long>(got);
}

af::task<long> write_all(io_source* s, const char* buf, std::size_t n) {
    std::size_t put = 0;
    while (put < n) {
        long r = co_await af::poll_fn([&](af::context& cx) { return s->poll_write(cx, buf + put, n - put); });
        if (r < 0) co_return r;
        put += static_cast<std::size_t>(r);
    }
    co_return static_cast<long>(put);
}

void check(bool ok, const char* what) {
    if (!ok) {
        std::perror(what);
        std::exit(1);
    }
}

af::rt::runtime make(int flavor, io_backend b) {
    af::rt::builder bl;
    if (flavor == 0) bl.current_thread();
    if (flavor == 1) bl.multi_thread().worker_threads(2);
    if (flavor == 2) bl.thread_per_core().worker_threads(2);
    return bl.enable_all().io_backend(b).build();
}

// Seconds for `rounds` one-byte round trips between two tasks over two pipes.
double pingpong(int flavor, io_backend b, int rounds) {
    af::rt::runtime rt = make(flavor, b);
    return rt.block_on([rounds]() -> af::task<double> {
        int a[2], c[2];
        check(::pipe2(a, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2");
        check(::pipe2(c, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2");
        io_source* ping_r = here().open(a[0]);
        io_source* ping_w = here().open(a[1]);
        io_source* pong_r = here().open(c[0]);
        io_source* pong_w = here().open(c[1]);
        auto t0 = clock_type::now();
        auto echo = af::rt::spawn([=]() -> af::task<void> {
            char ch;
            for (int i = 0; i < rounds; ++i) {
                if (co_await read_exact(ping_r, &ch, 1) != 1) std::abort();
                if (co_await write_all(pong_w, &ch, 1) != 1) std::abort();
            }
        });
        char ch = 'x';
        for (int i = 0; i < rounds; ++i) {
            if (co_await write_all(ping_w, &ch, 1) != 1) std::abort();
            if (co_await read_exact(pong_r, &ch, 1) != 1) std::abort();
        }
        co_await std::move(echo);
        double s = std::chrono::duration<double>(clock_type::now() - t0).count();
        for (io_source* x : {ping_r, ping_w, pong_r, pong_w}) x->close();
        co_return s;
    });
}

// Seconds for `conns` connections x `msgs` 1 KiB echoes. The connections are made up front
// with blocking calls; the timed part is the echo traffic only.
double echo(int flavor, io_backend b, int conns, int msgs) {
    int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    check(::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind");
    socklen_t al = sizeof addr;
    ::getsockname(l, reinterpret_cast<sockaddr*>(&addr), &al);
    check(::listen(l, conns) == 0, "listen");
    std::vector<std::pair<int, int>> fds;  // client, server
    for (int i = 0; i < conns; ++i) {
        int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        check(::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "connect");
        int s = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
        check(s >= 0, "accept");
        int one = 1;
        for (int fd : {c, s}) {
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        }
        fds.emplace_back(c, s);
    }
    ::close(l);
    af::rt::runtime rt = make(flavor, b);
    return rt.block_on([&fds, msgs]() -> af::task<double> {
        auto t0 = clock_type::now();
        std::vector<af::join_handle<void>> hs;
        // Spawned from outside the workers: thread_per_core deals them out in turns, and each
        // task registers its socket in the reactor of the worker it runs on.
        for (auto [cfd, sfd] : fds) {
            int server_fd = sfd;
            hs.push_back(af::rt::spawn([server_fd]() -> af::task<void> {
                io_source* s = here().open(server_fd);
                char buf[1024];
                for (;;) {
                    long n = co_await read_exact(s, buf, sizeof buf);
                    if (n <= 0) break;
                    co_await write_all(s, buf, sizeof buf);
                }
                s->close();
            }));
            int client_fd = cfd;
            hs.push_back(af::rt::spawn([client_fd, msgs]() -> af::task<void> {
                io_source* c = here().open(client_fd);
                char out[1024], in[1024];
                std::memset(out, 'm', sizeof out);
                for (int i = 0; i < msgs; ++i) {
                    if (co_await write_all(c, out, sizeof out) != 1024) std::abort();
                    if (co_await read_exact(c, in, sizeof in) != 1024) std::abort();
                }
                c->close();  // the server task reads end of file and ends
            }));
        }
        for (auto& h : hs) co_await std::move(h);
        co_return std::chrono::duration<double>(clock_type::now() - t0).count();
    });
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 7, pp = 100000, msgs = 500, conns = 64;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        int v = std::atoi(argv[i + 1]);
        if (k == "--rounds") rounds = v;
        else if (k == "--pingpong") pp = v;
        else if (k == "--messages") msgs = v;
        else if (k == "--connections") conns = v;
        else {
            std::fprintf(stderr, "usage: reactor_bench [--rounds n] [--pingpong n] [--messages n] [--connections n]\n");
            return 2;
        }
    }
    try {
        (void)make(0, io_backend::io_uring);
    } catch (const std::exception& e) {
        std::printf("io_uring refused on this kernel: %s\n", e.what());
        return 1;
    }
    utsname u{};
    ::uname(&u);
    std::printf("kernel %s, %d rounds, interleaved epoll/io_uring; pingpong %d round trips; echo %d conns x %d x 1 KiB\n",
                u.release, rounds, pp, conns, msgs);
    struct workload {
        const char* name;
        int flavor;
        bool is_echo;
    };
    const workload ws[] = {{"pingpong current_thread", 0, false},
                           {"pingpong multi_thread(2)", 1, false},
                           {"echo multi_thread(2)", 1, true},
                           {"echo thread_per_core(2)", 2, true}};
    const io_backend bs[] = {io_backend::epoll, io_backend::io_uring};
    std::map<std::pair<int, int>, std::vector<double>> secs;
    for (int r = 0; r < rounds; ++r) {
        for (int w = 0; w < 4; ++w) {
            for (int bi = 0; bi < 2; ++bi) {
                int b = (r % 2) ? 1 - bi : bi;  // alternate which backend goes first
                double s = ws[w].is_echo ? echo(ws[w].flavor, bs[b], conns, msgs) : pingpong(ws[w].flavor, bs[b], pp);
                secs[{w, b}].push_back(s);
            }
        }
        std::fprintf(stderr, "round %d/%d done\n", r + 1, rounds);
    }
    std::printf("%-26s %-9s %10s %14s %10s %10s\n", "workload", "backend", "median s", "rate", "min s", "max s");
    for (int w = 0; w < 4; ++w) {
        for (int b = 0; b < 2; ++b) {
            const std::vector<double>& v = secs[{w, b}];
            double m = median(v);
            double ops = ws[w].is_echo ? static_cast<double>(conns) * msgs : pp;
            std::printf("%-26s %-9s %10.4f %9.0f %s %10.4f %10.4f\n", ws[w].name, b == 0 ? "epoll" : "io_uring", m,
                        ops / m, ws[w].is_echo ? "msg/s" : "rt/s ", *std::min_element(v.begin(), v.end()),
                        *std::max_element(v.begin(), v.end()));
        }
    }
    return 0;
}

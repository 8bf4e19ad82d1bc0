// SPDX-License-Identifier: MIT
// The reactor's io_source operations on both backends (the io_uring one above all): pipes,
// socketpairs, TCP and UDP over loopback, readiness, and cancellation: reads dropped at random
// points lose and duplicate nothing, sources closed with operations in flight are freed once
// the kernel is done with them (ASan), and sources opened and closed from two threads (TSan).
#include "af/rt/detail/reactor.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include "af/core/task.hpp"
#include "af/future/poll_fn.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/test/wake_counter.hpp"

namespace rt_uring_reactor_test {

namespace {

using af::rt::io_backend;
using af::rt::detail::io_source;

af::rt::detail::reactor& here() { return af::rt::detail::require_reactor("test"); }

struct duo {
    io_source* a;
    io_source* b;
};

duo open_pipe() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
    return {here().open(fds[0]), here().open(fds[1])};
}

duo open_socketpair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
        throw std::system_error(errno, std::generic_category(), "socketpair");
    }
    return {here().open(fds[0]), here().open(fds[1])};
}

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// A bound socket of `type` on 127.0.0.1 (port chosen by the kernel), listening when TCP.
io_source* bound(int type, sockaddr_in& addr) {
    int fd = ::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    addr = loopback(0);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind");
    socklen_t l = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &l);
    if (type == SOCK_STREAM) ::listen(fd, 128);
    return here().open(fd);
}

af::task<long> read_some(io_source* s, char* buf, std::size_t n) {
    co_return co_await af::poll_fn([&](af::context& cx) { return s->poll_read(cx, buf, n); });
}

af::task<long> write_all(io_source* s, std::string data) {
    std::size_t done = 0;
    while (done < data.size()) {
        long n = co_await af::poll_fn(
            [&](af::context& cx) { return s->poll_write(cx, data.data() + done, data.size() - done); });
        if (n < 0) co_return n;
        done += static_cast<std::size_t>(n);
    }
    co_return static_cast<long>(done);
}

af::task<std::string> read_to_end(io_source* s) {
    std::string all;
    char buf[4096];
    for (;;) {
        long n = co_await read_some(s, buf, sizeof buf);
        if (n <= 0) break;
        all.append(buf, static_cast<std::size_t>(n));
    }
    co_return all;
}

class backends : public ::testing::TestWithParam<std::tuple<io_backend, int>> {
protected:
    void SetUp() override {
        try {
            (void)af::rt::builder().current_thread().enable_io().io_backend(std::get<0>(GetParam())).build();
        } catch (const std::system_error& e) {
            GTEST_SKIP() << "backend refused here: " << e.what();
        }
    }
    af::rt::runtime make() {
        af::rt::builder b;
        if (std::get<1>(GetParam()) == 0) {
            b.current_thread();
        } else {
            b.multi_thread().worker_threads(2);
        }
        return b.enable_all().io_backend(std::get<0>(GetParam())).build();
    }
};

TEST_P(backends, a_socketpair_carries_bytes_both_ways) {
    af::rt::runtime rt = make();
    std::string got = rt.block_on([]() -> af::task<std::string> {
        duo s = open_socketpair();
        EXPECT_EQ(co_await write_all(s.a, "ping"), 4);
        char buf[16];
        long n = co_await read_some(s.b, buf, sizeof buf);
        std::string first(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
        EXPECT_EQ(co_await write_all(s.b, "pong"), 4);
        n = co_await read_some(s.a, buf, sizeof buf);
        s.a->close();
        s.b->close();
        co_return first + std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    });
    EXPECT_EQ(got, "pingpong");
}

TEST_P(backends, a_read_after_the_writer_closed_sees_the_data_then_end_of_file) {
    af::rt::runtime rt = make();
    std::string got = rt.block_on([]() -> af::task<std::string> {
        duo p = open_pipe();
        co_await write_all(p.b, "last words");
        p.b->close();
        std::string all = co_await read_to_end(p.a);
        char c;
        EXPECT_EQ(co_await read_some(p.a, &c, 1), 0);  // end of file again, not an error
        p.a->close();
        co_return all;
    });
    EXPECT_EQ(got, "last words");
}

TEST_P(backends, a_small_read_leaves_the_rest_for_the_next_read) {
    af::rt::runtime rt = make();
    std::string got = rt.block_on([]() -> af::task<std::string> {
        duo p = open_pipe();
        co_await write_all(p.b, "abcdef");
        std::string out;
        char c[2];
        for (int i = 0; i < 3; ++i) {
            long n = co_await read_some(p.a, c, 2);
            out.append(c, n > 0 ? static_cast<std::size_t>(n) : 0);
            out += '|';
        }
        p.a->close();
        p.b->close();
        co_return out;
    });
    EXPECT_EQ(got, "ab|cd|ef|");
}

TEST_P(backends, tcp_accept_and_connect_over_loopback_echo) {
    af::rt::runtime rt = make();
    std::string got = rt.block_on([]() -> af::task<std::string> {
        sockaddr_in addr{};
        io_source* listener = bound(SOCK_STREAM, addr);
        auto server = af::rt::spawn([listener]() -> af::task<std::string> {
            sockaddr_in peer{};
            socklen_t plen = sizeof peer;
            long fd = co_await af::poll_fn([&](af::context& cx) {
                return listener->poll_accept(cx, reinterpret_cast<sockaddr*>(&peer), &plen);
            });
            EXPECT_GE(fd, 0);
            EXPECT_EQ(plen, sizeof peer);
            EXPECT_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
            int flags = ::fcntl(static_cast<int>(fd), F_GETFL);
            EXPECT_TRUE(flags & O_NONBLOCK);
            EXPECT_TRUE(::fcntl(static_cast<int>(fd), F_GETFD) & FD_CLOEXEC);
            io_source* conn = af::rt::detail::require_reactor("test").open(static_cast<int>(fd));
            std::string in = co_await read_to_end(conn);
            co_await write_all(conn, "echo:" + in);
            conn->close();
            co_return in;
        });
        int cfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        io_source* client = here().open(cfd);
        long c = co_await af::poll_fn([&](af::context& cx) {
            return client->poll_connect(cx, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
        });
        EXPECT_EQ(c, 0);
        co_await write_all(client, "hello");
        ::shutdown(client->fd(), SHUT_WR);
        std::string back = co_await read_to_end(client);
        EXPECT_EQ(co_await std::move(server), "hello");
        client->close();
        listener->close();
        co_return back;
    });
    EXPECT_EQ(got, "echo:hello");
}

TEST_P(backends, connect_to_a_closed_port_is_refused) {
    af::rt::runtime rt = make();
    long r = rt.block_on([]() -> af::task<long> {
        sockaddr_in addr{};
        io_source* l = bound(SOCK_STREAM, addr);
        l->close();  // the port is free again: nobody listens
        io_source* c = here().open(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        long res = co_await af::poll_fn([&](af::context& cx) {
            return c->poll_connect(cx, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
        });
        c->close();
        co_return res;
    });
    EXPECT_EQ(r, -ECONNREFUSED);
}

TEST_P(backends, udp_send_to_and_recv_from_keep_datagrams_and_addresses) {
    af::rt::runtime rt = make();
    rt.block_on([]() -> af::task<void> {
        sockaddr_in a_addr{}, b_addr{};
        io_source* a = bound(SOCK_DGRAM, a_addr);
        io_source* b = bound(SOCK_DGRAM, b_addr);
        for (std::string msg : {"one", "two!"}) {
            long n = co_await af::poll_fn([&](af::context& cx) {
                return a->poll_send_to(cx, msg.data(), msg.size(), reinterpret_cast<const sockaddr*>(&b_addr),
                                       sizeof b_addr);
            });
            EXPECT_EQ(n, static_cast<long>(msg.size()));
        }
        for (std::string want : {"one", "two!"}) {
            char buf[64];
            sockaddr_in from{};
            socklen_t flen = sizeof from;
            long n = co_await af::poll_fn([&](af::context& cx) {
                return b->poll_recv_from(cx, buf, sizeof buf, reinterpret_cast<sockaddr*>(&from), &flen);
            });
            EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), want);
            EXPECT_EQ(flen, sizeof from);
            EXPECT_EQ(from.sin_port, a_addr.sin_port);
        }
        a->close();
        b->close();
    });
}

TEST_P(backends, poll_readable_waits_for_data_and_consumes_none) {
    af::rt::runtime rt = make();
    std::string got = rt.block_on([]() -> af::task<std::string> {
        duo p = open_pipe();
        auto waiter = af::rt::spawn([p]() -> af::task<std::string> {
            long r = co_await af::poll_fn([&](af::context& cx) { return p.a->poll_readable(cx); });
            EXPECT_EQ(r, 0);
            char buf[16];
            long n = co_await read_some(p.a, buf, sizeof buf);
            co_return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
        });
        co_await af::rt::yield_now();
        co_await write_all(p.b, "ready");
        std::string s = co_await std::move(waiter);
        p.a->close();
        p.b->close();
        co_return s;
    });
    EXPECT_EQ(got, "ready");
}

// Steps at random: write a chunk, poll the current read (keeping what it returns), drop it,
// or yield to the reactor. Whatever the interleaving, the bytes read are exactly the bytes
// written, in order: a dropped read's completion goes to the next read. Buffers of dropped
// reads are freed at once, so ASan catches any write into them.
TEST_P(backends, reads_dropped_at_random_points_lose_and_duplicate_nothing) {
    af::rt::runtime rt = make();
    for (std::uint32_t seed = 1; seed <= 8; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        auto [sent, got] = rt.block_on([seed]() -> af::task<std::pair<std::string, std::string>> {
            std::mt19937 rng(seed);
            duo p = (seed % 2) ? open_pipe() : open_socketpair();
            std::string sent, got;
            int counter = 0;
            struct reader {
                std::unique_ptr<std::vector<char>> buf;
                af::task<long> fut;
            };
            std::unique_ptr<reader> cur;
            af::test::wake_counter wc;
            af::context cx(wc.waker());
            for (int step = 0; step < 300; ++step) {
                switch (rng() % 4) {
                case 0: {
                    std::string chunk;
                    std::size_t len = 1 + rng() % 40;
                    for (std::size_t i = 0; i < len; ++i) chunk += static_cast<char>('a' + (counter++ % 26));
                    sent += chunk;
                    EXPECT_EQ(co_await write_all(p.b, chunk), static_cast<long>(chunk.size()));
                    break;
                }
                case 1: {
                    if (!cur) {
                        auto b = std::make_unique<std::vector<char>>(1 + rng() % 64);
                        af::task<long> f = read_some(p.a, b->data(), b->size());
                        cur = std::make_unique<reader>(reader{std::move(b), std::move(f)});
                    }
                    af::poll<long> r = cur->fut.poll(cx);
                    if (r.is_ready()) {
                        long n = std::move(r).value();
                        EXPECT_GT(n, 0);
                        got.append(cur->buf->data(), n > 0 ? static_cast<std::size_t>(n) : 0);
                        cur.reset();
                    }
                    break;
                }
                case 2: cur.reset(); break;  // cancel: the future and its buffer die
                default: co_await af::rt::yield_now(); break;
                }
            }
            cur.reset();
            p.b->close();
            got += co_await read_to_end(p.a);
            p.a->close();
            co_return std::pair{sent, got};
        });
        EXPECT_EQ(got.size(), sent.size());
        EXPECT_EQ(got, sent);
    }
}

TEST_P(backends, closing_sources_with_operations_in_flight_frees_them) {
    af::rt::runtime rt = make();
    std::size_t before = 0;
    rt.block_on([&before]() -> af::task<void> {
        before = here().sources();
        af::waker w = af::waker::noop();
        af::context cx(w);
        for (int i = 0; i < 50; ++i) {
            duo p = open_pipe();
            char buf[32];
            EXPECT_TRUE(p.a->poll_read(cx, buf, sizeof buf).is_pending());
            sockaddr_in addr{};
            io_source* l = bound(SOCK_STREAM, addr);
            EXPECT_TRUE(l->poll_accept(cx, nullptr, nullptr).is_pending());
            io_source* u = bound(SOCK_DGRAM, addr);
            socklen_t fl = 0;
            EXPECT_TRUE(u->poll_recv_from(cx, buf, sizeof buf, nullptr, &fl).is_pending());

            p.a->close();  // reads in flight: cancelled, freed when the kernel says so
            p.b->close();
            l->close();
            u->close();
        }
        co_await af::rt::yield_now();
    });
    // Every source was freed (the count drops when the memory is released).
    for (int i = 0; i < 100 && rt.block_on([]() -> af::task<std::size_t> { co_return here().sources(); }) != before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(rt.block_on([]() -> af::task<std::size_t> { co_return here().sources(); }), before);
}

TEST_P(backends, a_source_closed_with_a_read_in_flight_after_its_runtime_is_gone_is_freed) {
    io_source* keep = nullptr;
    io_source* writer = nullptr;
    {
        af::rt::runtime rt = make();
        std::tie(keep, writer) = rt.block_on([]() -> af::task<std::pair<io_source*, io_source*>> {
            duo p = open_pipe();
            af::waker w = af::waker::noop();
            af::context cx(w);
            char buf[8];
            EXPECT_TRUE(p.a->poll_read(cx, buf, sizeof buf).is_pending());
            co_return std::pair{p.a, p.b};
        });
    }
    writer->close();
    keep->close();  // LeakSanitizer reports the source and the reactor if this leaks
}

TEST_P(backends, sources_opened_and_closed_from_two_threads_at_once) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_all().io_backend(std::get<0>(GetParam())).build();
    long total = rt.block_on([]() -> af::task<long> {
        std::vector<af::join_handle<long>> hs;
        for (int t = 0; t < 2; ++t) {
            hs.push_back(af::rt::spawn([]() -> af::task<long> {
                long sum = 0;
                for (int i = 0; i < 100; ++i) {
                    duo p = open_socketpair();
                    af::waker w = af::waker::noop();
                    af::context cx(w);
                    char buf[8];
                    if (i % 3 == 0) {
                        EXPECT_TRUE(p.a->poll_read(cx, buf, sizeof buf).is_pending());  // left in flight
                    } else {
                        co_await write_all(p.b, "x");
                        sum += co_await read_some(p.a, buf, sizeof buf);
                    }
                    p.a->close();
                    p.b->close();
                    if (i % 10 == 0) co_await af::rt::yield_now();
                }
                co_return sum;
            }));
        }
        long s = 0;
        for (auto& h : hs) s += co_await std::move(h);
        co_return s;
    });
    EXPECT_EQ(total, 2 * 66);
}

std::string backend_name(const ::testing::TestParamInfo<std::tuple<io_backend, int>>& info) {
    std::string b = std::get<0>(info.param) == io_backend::epoll ? "epoll" : "io_uring";
    return b + (std::get<1>(info.param) == 0 ? "_current_thread" : "_multi_thread");
}

INSTANTIATE_TEST_SUITE_P(io, backends,
                         ::testing::Combine(::testing::Values(io_backend::epoll, io_backend::io_uring),
                                            ::testing::Values(0, 1)),
                         backend_name);

TEST(uring_reactor, unpark_from_another_thread_ends_a_park_without_limit) {
    af::rt::detail::reactor* r = nullptr;
    try {
        r = af::rt::detail::make_uring_reactor();
    } catch (const std::system_error& e) {
        GTEST_SKIP() << "io_uring refused here: " << e.what();
    }
    EXPECT_FALSE(r->park(0));
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(r->park(30));  // times out: nothing to do
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(25));
    std::thread t([r] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        r->unpark();
    });
    r->park(-1);  // returns only because of the unpark
    t.join();
    r->unpark();  // an unpark before a park ends that park at once
    t0 = std::chrono::steady_clock::now();
    r->park(5000);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
    EXPECT_EQ(r->kind(), af::rt::detail::io_backend_kind::io_uring);
    r->release();
}

TEST(uring_reactor, automatic_gives_a_working_reactor) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_io().build();
    std::string got = rt.block_on([]() -> af::task<std::string> {
        duo p = open_pipe();
        co_await write_all(p.b, "auto");
        char buf[8];
        long n = co_await read_some(p.a, buf, sizeof buf);
        p.a->close();
        p.b->close();
        co_return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    });
    EXPECT_EQ(got, "auto");
}

}  // namespace

}  // namespace rt_uring_reactor_test

// SPDX-License-Identifier: MIT
// af::net under injected faults (issue 17, design note 0027), on both backends and both
// flavors: an echo of random bytes through EAGAIN storms, EINTR, short reads and writes and
// io_uring completions that say "not done" arrives byte for byte; accept keeps serving through
// EMFILE and through connections dropped for want of memory; hard errors (ECONNRESET, EPIPE,
// ECONNREFUSED) surface as std::system_error naming the operation, never as a hang or a crash.
// Every failure prints its seed: AF_FAULT_SEED=<seed> replays the schedule.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "af/core/task.hpp"
#include "af/future/join.hpp"
#include "af/future/poll_fn.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/spawn.hpp"
#include "af/test/fault_injection.hpp"
#include "af/time/sleep.hpp"
#include "af/time/timeout.hpp"
#include "support.hpp"

namespace net_faults_test {

namespace {

using namespace std::chrono_literals;
using af_net_test::connected_tcp_pair;
using af_net_test::net_test;

bool uring(const af_net_test::param& p) { return std::get<0>(p) == af::rt::io_backend::io_uring; }

std::string replay(std::uint64_t seed) { return "replay with AF_FAULT_SEED=" + std::to_string(seed); }

// Echoes everything it reads until end of stream, then shuts its side down.
af::task<void> echo(af::net::tcp_stream s) {
    std::vector<std::byte> buf(7000);
    for (;;) {
        std::size_t n = co_await s.read(buf);
        if (n == 0) break;
        co_await s.write_all(std::span<const std::byte>(buf.data(), n));
    }
    s.shutdown(af::net::shutdown_how::write);
}

// Sends `data` in random-sized writes while reading the echo back; true when every byte
// came back in order.
af::task<bool> send_and_check(af::net::tcp_stream s, std::vector<std::byte> data, std::uint64_t seed) {
    auto [r, w] = std::move(s).into_split();
    auto sender = [](af::net::tcp_write_half w, const std::vector<std::byte>& d, std::uint64_t seed) -> af::task<void> {
        std::mt19937_64 rng(seed);
        std::size_t off = 0;
        while (off < d.size()) {
            std::size_t n = std::min<std::size_t>(d.size() - off, 1 + rng() % 20000);
            co_await w.write_all(std::span<const std::byte>(d.data() + off, n));
            off += n;
        }
        co_await af::poll_fn([&](af::context& cx) { return w.poll_shutdown(cx); });
    }(std::move(w), data, seed);
    auto checker = [](af::net::tcp_read_half r, const std::vector<std::byte>& d) -> af::task<bool> {
        std::vector<std::byte> buf(5000);
        std::size_t got = 0;
        for (;;) {
            std::size_t n = co_await r.read(buf);
            if (n == 0) break;
            if (got + n > d.size()) co_return false;
            for (std::size_t i = 0; i < n; ++i) {
                if (buf[i] != d[got + i]) co_return false;
            }
            got += n;
        }
        co_return got == d.size();
    }(std::move(r), data);
    auto [unit, ok] = co_await af::join(std::move(sender), std::move(checker));
    (void)unit;
    co_return ok;
}

std::vector<std::byte> random_bytes(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::byte> v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    return v;
}

class net_faults : public net_test {};

TEST_P(net_faults, echo_through_benign_faults_arrives_byte_for_byte) {
    af::test::fault_plan plan;
    plan.seed = af::test::fault_seed();
    plan.would_block = 0.2;
    plan.interrupted = 0.2;
    plan.short_io = 0.5;
    plan.cqe_retry = 0.2;
    plan.accept_emfile = 0.3;
    SCOPED_TRACE(replay(plan.seed));
    constexpr int conns = 4;
    constexpr std::size_t bytes = 200 * 1024;
    std::optional<af::test::fault_injection> faults;
    int ok = rt().block_on([&]() -> af::task<int> {
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto addr = listener.local_addr();
        faults.emplace(plan);
        auto server = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<void> {
            for (int i = 0; i < conns; ++i) {
                auto a = co_await l.accept();
                af::rt::spawn(echo(std::move(a.first)));
            }
        }(listener));
        std::vector<af::join_handle<bool>> clients;
        for (int i = 0; i < conns; ++i) {
            clients.push_back(af::rt::spawn([](af::net::socket_addr a, std::uint64_t seed) -> af::task<bool> {
                af::net::tcp_stream s = co_await af::net::tcp_stream::connect(a);
                co_return co_await send_and_check(std::move(s), random_bytes(bytes, seed), seed + 1);
            }(addr, plan.seed + static_cast<std::uint64_t>(i) * 7919)));
        }
        int good = 0;
        for (auto& c : clients) {
            auto r = co_await af::time::timeout(60s, std::move(c));
            if (r.value()) ++good;
        }
        co_await std::move(server);
        co_return good;
    }());
    EXPECT_EQ(ok, conns);
    af::test::fault_counts c = faults->counts();
    std::printf("[ faults   ] seed %llu: %llu would-block, %llu EINTR, %llu short, %llu EMFILE, %llu CQE\n",
                static_cast<unsigned long long>(plan.seed), static_cast<unsigned long long>(c.would_block),
                static_cast<unsigned long long>(c.interrupted), static_cast<unsigned long long>(c.short_io),
                static_cast<unsigned long long>(c.accept_emfile), static_cast<unsigned long long>(c.cqe_retry));
    EXPECT_GT(c.would_block, 0u);
    EXPECT_GT(c.short_io, 0u);
    if (uring(GetParam())) {
        EXPECT_GT(c.cqe_retry, 0u);
    }
}

TEST_P(net_faults, accept_keeps_serving_through_emfile_and_out_of_memory) {
    af::test::fault_plan plan;
    plan.seed = af::test::fault_seed();
    plan.accept_emfile = 0.4;
    plan.out_of_memory = 0.3;  // registrations of accepted and connecting sockets alike
    SCOPED_TRACE(replay(plan.seed));
    constexpr int wanted = 20;
    std::optional<af::test::fault_injection> faults;
    auto [served, attempts] = rt().block_on([&]() -> af::task<std::pair<int, int>> {
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto addr = listener.local_addr();
        faults.emplace(plan);
        // The server answers one byte per connection, for ever; it is dropped at the end.
        auto server = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<void> {
            for (;;) {
                auto a = co_await l.accept();
                af::rt::spawn([](af::net::tcp_stream s) -> af::task<void> {
                    std::byte b[1];
                    if (co_await s.read(b) == 1) co_await s.write_all(std::span<const std::byte>(b, 1));
                }(std::move(a.first)));
            }
        }(listener));
        int good = 0;
        int tries = 0;
        while (good < wanted && tries < 2000) {
            ++tries;
            bool done = false;
            try {
                af::net::tcp_stream s = co_await af::net::tcp_stream::connect(addr);
                std::byte b[1] = {std::byte{42}};
                co_await s.write_all(std::span<const std::byte>(b, 1));
                auto n = co_await af::time::timeout(10s, s.read(b));
                done = n.value() == 1 && b[0] == std::byte{42};
            } catch (const std::bad_alloc&) {
                // our own registration failed: try again
            } catch (const std::system_error&) {
                // the server dropped our connection (its registration failed): try again
            }
            if (done) ++good;
        }
        EXPECT_FALSE(server.is_finished()) << "the accept loop ended";
        server.abort();
        try {
            co_await std::move(server);  // it uses the listener: wait until it is gone
        } catch (...) {
        }
        co_return std::pair<int, int>(good, tries);
    }());
    EXPECT_EQ(served, wanted) << attempts << " attempts";
    af::test::fault_counts c = faults->counts();
    EXPECT_GT(c.accept_emfile, 0u);
    EXPECT_GT(c.out_of_memory, 0u);
}

// A blocking loopback client outside the reactor (connect completes in the kernel's backlog).
int raw_client(const af::net::socket_addr& a) {
    int fd = ::socket(a.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, a.as_sockaddr(), a.sockaddr_len()) != 0) throw std::system_error(errno, std::generic_category(), "raw connect");
    return fd;
}

std::uint16_t local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t l = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &l);
    return af::net::socket_addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), l).port();
}

TEST_P(net_faults, accept_drops_a_connection_it_has_no_memory_for_and_goes_on) {
    rt().block_on([&]() -> af::task<void> {
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto addr = listener.local_addr();
        int first = raw_client(addr);
        std::optional<af::join_handle<std::pair<af::net::tcp_stream, af::net::socket_addr>>> accepting;
        {
            af::test::fault_plan plan;
            plan.seed = 1;
            plan.out_of_memory = 1.0;  // every registration fails: the first connection's too
            af::test::fault_injection oom(plan);
            accepting.emplace(af::rt::spawn([](af::net::tcp_listener& l) -> af::task<std::pair<af::net::tcp_stream, af::net::socket_addr>> {
                co_return co_await l.accept();
            }(listener)));
            for (int i = 0; i < 5000 && oom.counts().out_of_memory == 0; ++i) co_await af::time::sleep(1ms);
            EXPECT_GE(oom.counts().out_of_memory, 1u);
        }
        int second = raw_client(addr);
        auto got = co_await af::time::timeout(10s, std::move(*accepting));
        auto accepted = std::move(got).value();  // accept() did not throw: it went on
        EXPECT_EQ(accepted.second.port(), local_port(second));
        char c;
        long n = ::recv(first, &c, 1, MSG_DONTWAIT);
        EXPECT_TRUE(n == 0 || (n < 0 && errno == ECONNRESET)) << "the dropped connection was not closed: " << n << " " << errno;
        ::close(first);
        ::close(second);
    }());
}

TEST_P(net_faults, hard_errors_surface_as_system_errors_naming_the_operation) {
    rt().block_on([&]() -> af::task<void> {
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto addr = listener.local_addr();
        auto [c, s] = co_await connected_tcp_pair();
        af::test::fault_plan plan;
        plan.seed = af::test::fault_seed();
        plan.reset = 1.0;
        plan.refuse_connect = 1.0;
        af::test::fault_injection faults(plan);
        std::byte b[16] = {};
        int read_err = 0, write_err = 0, connect_err = 0;
        std::string read_what, connect_what;
        try {
            co_await c.read(b);
        } catch (const std::system_error& e) {
            read_err = e.code().value();
            read_what = e.what();
        }
        try {
            co_await s.write_all(std::span<const std::byte>(b, sizeof b));
        } catch (const std::system_error& e) {
            write_err = e.code().value();
        }
        try {
            co_await af::net::tcp_stream::connect(addr);
        } catch (const std::system_error& e) {
            connect_err = e.code().value();
            connect_what = e.what();
        }
        EXPECT_EQ(read_err, ECONNRESET);
        EXPECT_NE(read_what.find("read 127.0.0.1:"), std::string::npos) << read_what;
        EXPECT_EQ(write_err, EPIPE);
        EXPECT_EQ(connect_err, ECONNREFUSED);
        EXPECT_NE(connect_what.find("connect " + addr.to_string()), std::string::npos) << connect_what;
        EXPECT_GE(faults.counts().reset, 2u);
    }());
}

TEST(net_faults_plan, rejects_a_second_plan_and_bad_probabilities) {
    af::test::fault_plan p;
    p.seed = 1;
    af::test::fault_injection first(p);
    EXPECT_EQ(first.seed(), 1u);
    EXPECT_THROW(af::test::fault_injection second(p), std::logic_error);
    af::test::fault_plan bad;
    bad.short_io = 1.5;
    EXPECT_THROW(af::test::fault_injection third(bad), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(backends, net_faults, af_net_test::all_params(), af_net_test::param_name);

}  // namespace

}  // namespace net_faults_test

// SPDX-License-Identifier: MIT
#include "af/net/unix_stream.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <system_error>

#include "af/io/shutdown.hpp"
#include "af/net/unix_datagram.hpp"
#include "af/rt/spawn.hpp"
#include "net/support.hpp"

namespace net_unix_stream_test {

namespace {

using af::net::unix_datagram;
using af::net::unix_listener;
using af::net::unix_stream;

static_assert(af::io::async_read<unix_stream> && af::io::async_write<unix_stream>);

std::span<const std::byte> text(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::string temp_path(const char* tag) {
    std::string p = "/tmp/af_net_" + std::string(tag) + "_" + std::to_string(::getpid()) + ".sock";
    ::unlink(p.c_str());
    return p;
}

template <class S>
af::task<std::string> read_all(S& s) {
    std::string out;
    char buf[256];
    for (;;) {
        std::size_t n = co_await s.read(std::as_writable_bytes(std::span(buf)));
        if (n == 0) break;
        out.append(buf, n);
    }
    co_return out;
}

class unix_sockets : public af_net_test::net_test {};

TEST_P(unix_sockets, a_stream_round_trips_through_a_listener_on_a_path) {
    std::string path = temp_path("stream");
    rt().block_on([](std::string path) -> af::task<void> {
        auto listener = unix_listener::bind(path);
        EXPECT_EQ(listener.local_path(), path);
        unix_stream c = co_await unix_stream::connect(path);
        auto [s, peer] = co_await listener.accept();
        EXPECT_EQ(peer, "");  // the client did not bind
        EXPECT_EQ(c.peer_path(), path);
        co_await c.write_all("over a path");
        co_await af::io::shutdown(c);
        EXPECT_EQ(co_await read_all(s), "over a path");
        co_await s.write_all("reply");
        s.shutdown(af::net::shutdown_how::write);
        EXPECT_EQ(co_await read_all(c), "reply");
    }(path));
    ::unlink(path.c_str());
}

TEST_P(unix_sockets, split_halves_of_a_pair_run_in_two_tasks) {
    rt().block_on([]() -> af::task<void> {
        auto [a, b] = unix_stream::pair();
        auto [rd, wr] = std::move(a).into_split();
        auto writer = af::rt::spawn([w = std::move(wr)]() mutable -> af::task<void> {
            std::string chunk(1000, 'q');
            for (int i = 0; i < 500; ++i) co_await w.write_all(chunk);
            co_await af::io::shutdown(w);
        });
        // b echoes back everything, then closes its writing side when a's writer is done.
        auto echo = af::rt::spawn([b = std::move(b)]() mutable -> af::task<void> {
            char buf[4096];
            for (;;) {
                std::size_t n = co_await b.read(std::as_writable_bytes(std::span(buf)));
                if (n == 0) break;
                co_await b.write_all(std::as_bytes(std::span(buf, n)));
            }
            b.shutdown(af::net::shutdown_how::write);
        });
        std::string got = co_await read_all(rd);
        co_await std::move(writer);
        co_await std::move(echo);
        EXPECT_EQ(got, std::string(500000, 'q'));
    });
}

TEST_P(unix_sockets, connecting_to_a_missing_path_names_it_in_the_error) {
    rt().block_on([]() -> af::task<void> {
        try {
            (void)co_await unix_stream::connect("/tmp/af_net_no_such_socket");
            ADD_FAILURE() << "connected to nothing";
        } catch (const std::system_error& e) {
            EXPECT_EQ(std::string(e.what()), "connect /tmp/af_net_no_such_socket: No such file or directory");
        }
    });
}

TEST_P(unix_sockets, datagrams_round_trip_between_named_sockets_and_over_a_pair) {
    std::string pa = temp_path("dg_a");
    std::string pb = temp_path("dg_b");
    rt().block_on([](std::string pa, std::string pb) -> af::task<void> {
        auto a = unix_datagram::bind(pa);
        auto b = unix_datagram::bind(pb);
        co_await a.send_to(text("hello b"), pb);
        std::string buf(64, '\0');
        auto got = co_await b.recv_from(std::as_writable_bytes(std::span(buf)));
        EXPECT_EQ(buf.substr(0, got.first), "hello b");
        EXPECT_EQ(got.second, pa);
        b.connect(pa);
        co_await b.send(text("hi a"));
        std::size_t n = co_await a.recv(std::as_writable_bytes(std::span(buf)));
        EXPECT_EQ(buf.substr(0, n), "hi a");

        auto [x, y] = unix_datagram::pair();
        co_await x.send(text("12"));
        co_await x.send(text("345"));
        EXPECT_EQ(co_await y.recv(std::as_writable_bytes(std::span(buf))), 2u);
        EXPECT_EQ(co_await y.recv(std::as_writable_bytes(std::span(buf))), 3u);
    }(pa, pb));
    ::unlink(pa.c_str());
    ::unlink(pb.c_str());
}

INSTANTIATE_TEST_SUITE_P(backends, unix_sockets, af_net_test::all_params(), af_net_test::param_name);

}  // namespace

}  // namespace net_unix_stream_test

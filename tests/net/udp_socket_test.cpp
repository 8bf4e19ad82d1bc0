// SPDX-License-Identifier: MIT
#include "af/net/udp_socket.hpp"

#include <gtest/gtest.h>

#include <string>
#include <system_error>

#include "net/support.hpp"

namespace net_udp_socket_test {

namespace {

using af::net::socket_addr;
using af::net::udp_socket;

std::span<const std::byte> text(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

class udp : public af_net_test::net_test {};

TEST_P(udp, send_to_and_recv_from_round_trip_with_the_sender_address) {
    rt().block_on([]() -> af::task<void> {
        udp_socket a = udp_socket::bind(socket_addr::v4_loopback());
        udp_socket b = udp_socket::bind(socket_addr::v4_loopback());
        EXPECT_EQ(co_await a.send_to(text("ping"), b.local_addr()), 4u);
        std::string buf(64, '\0');
        auto got = co_await b.recv_from(std::as_writable_bytes(std::span(buf)));
        EXPECT_EQ(buf.substr(0, got.first), "ping");
        EXPECT_EQ(got.second, a.local_addr());
        co_await b.send_to(text("pong"), got.second);
        auto back = co_await a.recv_from(std::as_writable_bytes(std::span(buf)));
        EXPECT_EQ(buf.substr(0, back.first), "pong");
    });
}

TEST_P(udp, connected_sockets_use_send_and_recv_and_keep_datagram_boundaries) {
    rt().block_on([]() -> af::task<void> {
        udp_socket a = udp_socket::bind(socket_addr::parse("[::1]:0"));
        udp_socket b = udp_socket::bind(socket_addr::parse("[::1]:0"));
        a.connect(b.local_addr());
        b.connect(a.local_addr());
        EXPECT_EQ(a.peer_addr(), b.local_addr());
        co_await a.send(text("one"));
        co_await a.send(text("three"));
        std::string buf(64, '\0');
        std::size_t n1 = co_await b.recv(std::as_writable_bytes(std::span(buf)));
        EXPECT_EQ(n1, 3u);
        std::size_t n2 = co_await b.recv(std::as_writable_bytes(std::span(buf)));
        EXPECT_EQ(buf.substr(0, n2), "three");
    });
}

TEST_P(udp, a_receive_waits_for_a_datagram_sent_by_another_task) {
    rt().block_on([]() -> af::task<void> {
        udp_socket a = udp_socket::bind(socket_addr::v4_loopback());
        udp_socket b = udp_socket::bind(socket_addr::v4_loopback());
        std::string buf(8, '\0');
        auto recv = b.recv_from(std::as_writable_bytes(std::span(buf)));
        af::waker w = af::waker::noop();
        af::context cx(w);
        EXPECT_TRUE(recv.poll(cx).is_pending());
        co_await a.send_to(text("late"), b.local_addr());
        auto got = co_await std::move(recv);
        EXPECT_EQ(buf.substr(0, got.first), "late");
    });
}

INSTANTIATE_TEST_SUITE_P(backends, udp, af_net_test::all_params(), af_net_test::param_name);

}  // namespace

}  // namespace net_udp_socket_test

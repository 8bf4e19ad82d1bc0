// SPDX-License-Identifier: MIT
// Addresses, UDP, and what errors look like.
#include <af/net.hpp>
#include <af/rt.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>

int main() {
    // Parsing is numeric only and never touches the network.
    auto v6 = af::net::socket_addr::parse("[::1]:443");
    std::printf("%s is IPv6: %s, port %u\n", v6.to_string().c_str(), v6.is_ipv6() ? "yes" : "no", v6.port());
    try {
        (void)af::net::socket_addr::parse("localhost:80");
    } catch (const std::invalid_argument& e) {
        std::printf("%s\n", e.what());
    }

    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    rt.block_on([]() -> af::task<void> {
        // UDP: one datagram per call, with the sender's address.
        auto a = af::net::udp_socket::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto b = af::net::udp_socket::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        std::string msg = "ping";
        co_await a.send_to(std::as_bytes(std::span(msg)), b.local_addr());
        char buf[16];
        auto [n, from] = co_await b.recv_from(std::as_writable_bytes(std::span(buf)));
        std::printf("udp: got '%.*s' from a: %s\n", static_cast<int>(n), buf, from == a.local_addr() ? "yes" : "no");

        // A refused connection: std::system_error naming the operation and the address.
        af::net::socket_addr closed;
        {
            auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
            closed = l.local_addr();
        }  // nobody listens there any more
        try {
            (void)co_await af::net::tcp_stream::connect(closed);
        } catch (const std::system_error& e) {
            bool named = std::string(e.what()) == "connect " + closed.to_string() + ": Connection refused";
            std::printf("connect failed: %s, what() names the address: %s\n",
                        e.code() == std::errc::connection_refused ? "ECONNREFUSED" : "?", named ? "yes" : "no");
        }
    });
}

// SPDX-License-Identifier: MIT
// A TCP echo server and a client in one program: bind to port 0, connect to ourselves.
#include <af/net.hpp>
#include <af/rt.hpp>
#include <af/io/copy.hpp>
#include <af/io/shutdown.hpp>

#include <cassert>
#include <string>

// One connection: echo until the client shuts down its side, then shut down ours.
af::task<void> echo(af::net::tcp_stream conn) {
    co_await af::io::copy(conn, conn);
    co_await af::io::shutdown(conn);
}

af::task<void> serve(af::net::tcp_listener& listener, int connections) {
    for (int i = 0; i < connections; ++i) {
        auto [conn, peer] = co_await listener.accept();
        af::rt::spawn(echo(std::move(conn)));  // each connection is its own task
    }
}

af::task<std::string> ask(af::net::socket_addr server, std::string text) {
    af::net::tcp_stream conn = co_await af::net::tcp_stream::connect(server);
    conn.set_nodelay(true);
    co_await conn.write_all(text);
    conn.shutdown(af::net::shutdown_how::write);  // the server's read now returns 0
    std::string reply;
    char buf[64];
    for (;;) {
        std::size_t n = co_await conn.read(std::as_writable_bytes(std::span(buf)));
        if (n == 0) break;  // end of stream: not an error
        reply.append(buf, n);
    }
    co_return reply;
}

int main() {
    af::rt::runtime rt = af::rt::builder().enable_all().build();  // enable_all: I/O and time
    rt.block_on([]() -> af::task<void> {
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        af::net::socket_addr addr = listener.local_addr();  // port 0 became a free port
        assert(addr.port() != 0);
        auto server = af::rt::spawn(serve(listener, 2));
        assert(co_await ask(addr, "hello") == "hello");
        assert(co_await ask(addr, std::string(100000, 'x')) == std::string(100000, 'x'));
        co_await std::move(server);
    });
}

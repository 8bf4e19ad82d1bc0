// SPDX-License-Identifier: MIT
// Byte streams across the bridge: af code over an Asio socket (af::asio::stream), and Asio
// code over an af stream (af::asio::asio_stream), on one io_context thread.
#include <af/af.hpp>
#include <af/asio.hpp>
#include <af/io.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstdio>
#include <span>
#include <string>

namespace asio = boost::asio;
using socket_type = asio::local::stream_protocol::socket;

// af over Asio: af's read and write helpers on an Asio socket.
af::task<void> af_side(socket_type sock) {
    af::asio::stream s(std::move(sock));
    std::string hello = "ping";
    co_await af::io::write_all(s, std::as_bytes(std::span(hello)));
    co_await af::io::flush(s);  // writes leave in the background; flush waits for them
    char buf[4];
    co_await af::io::read_exact(s, std::as_writable_bytes(std::span(buf)));
    std::printf("af read over an Asio socket: %.4s\n", buf);
}

// Asio over af: asio::async_read / async_write on one end of an af in-memory pipe.
asio::awaitable<void> asio_side(af::io::duplex_stream end) {
    auto ex = co_await asio::this_coro::executor;
    af::asio::asio_stream s(std::move(end), ex);
    co_await asio::async_write(s, asio::buffer(std::string("hello from asio")), asio::use_awaitable);
    char buf[6];
    std::size_t n = co_await asio::async_read(s, asio::buffer(buf), asio::use_awaitable);
    std::printf("asio read over an af stream: %.*s\n", static_cast<int>(n), buf);
}

// The af end of the pipe answers what it reads.
af::task<void> pipe_peer(af::io::duplex_stream end) {
    char buf[15];
    co_await af::io::read_exact(end, std::as_writable_bytes(std::span(buf)));
    std::string reply = "thanks";
    co_await af::io::write_all(end, std::as_bytes(std::span(reply)));
}

int main() {
    asio::io_context ioc;
    af::asio::executor_spawner sp(ioc.get_executor());

    socket_type a(ioc), b(ioc);
    asio::local::connect_pair(a, b);
    auto af_task = sp.spawn(af_side(std::move(a)));
    asio::co_spawn(
        ioc,
        [&b]() -> asio::awaitable<void> {  // Asio echoes the four bytes back
            char buf[4];
            co_await asio::async_read(b, asio::buffer(buf), asio::use_awaitable);
            co_await asio::async_write(b, asio::buffer("pong", 4), asio::use_awaitable);
        },
        asio::detached);
    ioc.run();

    auto [mine, theirs] = af::io::duplex(64);
    auto peer = sp.spawn(pipe_peer(std::move(theirs)));
    asio::co_spawn(ioc, asio_side(std::move(mine)), asio::detached);
    ioc.restart();
    ioc.run();
}

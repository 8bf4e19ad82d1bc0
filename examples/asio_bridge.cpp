// SPDX-License-Identifier: MIT
// af and Asio on one io_context thread, both directions (docs/book/asio.md).
//
// An af task reads lines from a socket with Asio operations awaited through af::asio::use_future;
// an Asio coroutine (use_awaitable) awaits an af task through af::asio::spawn. Prints:
//   af task read: hello from asio
//   asio coroutine got 42 from af
//   af task timed out a read: the socket is still usable
#include <array>
#include <chrono>
#include <cstdio>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <af/asio.hpp>
#include <af/af.hpp>

namespace asio = boost::asio;
using socket_type = asio::local::stream_protocol::socket;
using namespace std::chrono_literals;

// af side: awaits Asio operations.
af::task<void> read_greeting(socket_type& s) {
    asio::streambuf buf;
    auto read = asio::async_read_until(s, buf, '\n', af::asio::use_future);
    std::size_t n = co_await std::move(read);
    std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + static_cast<long>(n) - 1);
    std::printf("af task read: %s\n", line.c_str());
}

// af side: a read raced against an Asio timer; the loser is dropped, which cancels it.
af::task<void> read_with_deadline(socket_type& s, asio::io_context& ioc) {
    auto buf = std::make_shared<std::array<char, 16>>();
    asio::steady_timer t(ioc, 5ms);
    auto read = s.async_read_some(asio::buffer(*buf), af::asio::use_future).keep(buf);  // owns buf
    auto wait = t.async_wait(af::asio::use_future);
    auto won = co_await af::select(std::move(read), std::move(wait));
    std::printf("af task %s\n", won.index() == 1 ? "timed out a read: the socket is still usable" : "read data");
}

af::task<int> answer() {
    co_await af::yield_now();
    co_return 42;
}

int main() {
    asio::io_context ioc;
    socket_type a(ioc), b(ioc);
    asio::local::connect_pair(a, b);
    af::asio::executor_spawner sp(ioc.get_executor());  // af tasks on ioc's thread

    auto reader = sp.spawn(read_greeting(b));
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await asio::async_write(a, asio::buffer(std::string("hello from asio\n")), asio::use_awaitable);
            // Asio side: awaits an af task.
            int v = co_await af::asio::spawn(ioc.get_executor(), answer(), asio::use_awaitable);
            std::printf("asio coroutine got %d from af\n", v);
        },
        asio::detached);
    ioc.run();  // returns when both sides are done
    reader = sp.spawn(read_with_deadline(b, ioc));
    ioc.restart();
    ioc.run();
}

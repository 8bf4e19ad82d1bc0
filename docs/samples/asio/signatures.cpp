// SPDX-License-Identifier: MIT
// What each completion signature becomes when an Asio operation is awaited with
// af::asio::use_future (errors thrown) or af::asio::use_future_tuple (errors returned).
#include <af/af.hpp>
#include <af/asio.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace asio = boost::asio;

asio::awaitable<int> answer() { co_return 42; }
asio::awaitable<int> broken() {
    throw std::runtime_error("broken");
    co_return 0;
}

af::task<void> demo(asio::io_context& ioc) {
    // void(): post completes with nothing.
    co_await asio::post(ioc, af::asio::use_future);
    std::puts("post: void");

    // void(error_code): a timer; a non-zero code would be thrown.
    asio::steady_timer t(ioc, std::chrono::milliseconds(1));
    co_await t.async_wait(af::asio::use_future);
    std::puts("timer: void");

    // void(error_code, std::size_t): the size, or the code as a tuple element.
    asio::local::stream_protocol::socket a(ioc), b(ioc);
    asio::local::connect_pair(a, b);
    asio::write(a, asio::buffer(std::string("hi")));
    std::array<char, 8> buf{};
    std::size_t n = co_await b.async_read_some(asio::buffer(buf), af::asio::use_future);
    std::printf("read: %zu bytes\n", n);
    a.close();
    auto eof = b.async_read_some(asio::buffer(buf), af::asio::use_future_tuple);
    auto [ec, m] = co_await std::move(eof);
    std::printf("read after close: %s, %zu bytes\n", ec.message().c_str(), m);

    // void(std::exception_ptr, int): co_spawn; the exception is rethrown.
    int v = co_await asio::co_spawn(ioc, answer(), af::asio::use_future);
    std::printf("co_spawn: %d\n", v);
    try {
        co_await asio::co_spawn(ioc, broken(), af::asio::use_future);
    } catch (const std::runtime_error& e) {
        std::printf("co_spawn threw: %s\n", e.what());
    }
}

int main() {
    asio::io_context ioc;
    af::asio::executor_spawner sp(ioc.get_executor());
    auto h = sp.spawn(demo(ioc));  // af task and Asio operations on this one thread
    ioc.run();
}

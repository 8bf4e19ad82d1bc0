// SPDX-License-Identifier: MIT
/// \file
/// Boost.Beast 1.81's side of the HTTP server comparison (bench/http/run.py), in the shape of
/// Beast's own coroutine servers: one `co_spawn`ed session per connection over a
/// `beast::tcp_stream` with a 30 s expiry per operation, a `flat_buffer` kept across requests
/// (so pipelined requests are parsed from it), `async_write` of each response.
///
///     beast_http_server <threads> [port]     (threads: how many run the io_context)
///
/// Prints `listening 127.0.0.1:<port>` once bound and serves until SIGINT. Routes as in
/// af_http_server.cpp. The request body is read through a `buffer_body` parser into a 64 KiB
/// scratch buffer and counted, so an upload of any size is never held whole (as in the af and
/// hyper servers); response bodies are `span_body` views of static memory (no copy).
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

const std::string& megabyte() {
    static const std::string m(1 << 20, 'x');
    return m;
}

using response = http::response<http::span_body<const char>>;

response make_response(http::status s, unsigned version, std::string_view type, std::string_view body) {
    response res{s, version};
    res.set(http::field::content_type, type);
    res.body() = {body.data(), body.size()};
    res.prepare_payload();
    return res;
}

net::awaitable<void> session(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    std::unique_ptr<char[]> scratch;  // for request bodies, made on the first one
    constexpr std::size_t scratch_size = 64 * 1024;
    beast::error_code ec;
    auto on_error = net::redirect_error(net::use_awaitable, ec);
    for (;;) {
        http::request_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);  // uploads of any size
        stream.expires_after(std::chrono::seconds(30));
        co_await http::async_read_header(stream, buffer, parser, on_error);
        if (ec) break;
        std::uint64_t received = 0;
        while (!parser.is_done()) {
            if (!scratch) scratch = std::make_unique<char[]>(scratch_size);
            parser.get().body().data = scratch.get();
            parser.get().body().size = scratch_size;
            co_await http::async_read(stream, buffer, parser, on_error);
            if (ec == http::error::need_buffer) ec = {};
            if (ec) co_return;
            received += scratch_size - parser.get().body().size;
        }
        auto& req = parser.get();
        std::string length;
        response res;
        if (req.method() == http::verb::get && req.target() == "/") {
            res = make_response(http::status::ok, req.version(), "text/plain", "Hello, World!");
        } else if (req.method() == http::verb::get && req.target() == "/1m") {
            res = make_response(http::status::ok, req.version(), "application/octet-stream", megabyte());
        } else if (req.method() == http::verb::post && req.target() == "/upload") {
            length = std::to_string(received);
            res = make_response(http::status::ok, req.version(), "text/plain", length);
        } else {
            res = make_response(http::status::not_found, req.version(), "text/plain", "");
        }
        res.keep_alive(req.keep_alive());
        co_await http::async_write(stream, res, on_error);
        if (ec || !res.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> listen(tcp::acceptor& acceptor, bool strands) {
    for (;;) {
        // More than one thread: a strand per connection, as Beast's multi-threaded examples do.
        // if/else, not ?: : with co_await in both arms of ?: (GCC 12) the accepted socket came
        // back closed (set_option: bad file descriptor)
        tcp::socket sock(acceptor.get_executor());
        if (strands) {
            sock = co_await acceptor.async_accept(net::make_strand(acceptor.get_executor()), net::use_awaitable);
        } else {
            sock = co_await acceptor.async_accept(net::use_awaitable);
        }
        sock.set_option(tcp::no_delay(true));
        auto ex = sock.get_executor();
        net::co_spawn(ex, session(beast::tcp_stream(std::move(sock))), net::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: beast_http_server <threads> [port]\n");
        return 2;
    }
    int threads = std::max(1, std::atoi(argv[1]));
    auto port = static_cast<unsigned short>(argc > 2 ? std::atoi(argv[2]) : 0);
    net::io_context ioc{threads};
    tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), port});
    std::printf("listening 127.0.0.1:%u\n", acceptor.local_endpoint().port());
    std::fflush(stdout);
    net::co_spawn(ioc, listen(acceptor, threads > 1), net::detached);
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
}

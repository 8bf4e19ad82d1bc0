// SPDX-License-Identifier: MIT
// The two halves of "a Beast application and af::http share a process": af::http's server runs
// over an Asio socket (af::asio::stream<tcp::socket>), and Beast's client runs over an af socket
// (af::asio::asio_stream<af::net::tcp_stream>) against af::http's own server. It lives with the
// Beast port because it links af::http and af::asio together.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "af/asio/stream.hpp"
#include "af/http.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"

namespace beast_files_http_bridge {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct io_thread {
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread t{[this] { ioc.run(); }};
    ~io_thread() {
        guard.reset();
        ioc.stop();
        t.join();
    }
};

// GET /<name> answers "hello <name>"; POST echoes the body, read whole.
af::task<af::http::response> app(af::http::request req) {
    if (req.method() == af::http::method::post) {
        std::string body = co_await req.body().text(1 << 20);
        co_return af::http::response(af::http::status::ok, "echo " + body);
    }
    af::http::response r(af::http::status::ok, "hello " + std::string(req.path().substr(1)));
    r.headers().append(af::http::header::content_type, "text/plain");
    co_return r;
}

bhttp::request<bhttp::string_body> make_request(bhttp::verb v, std::string target, std::string body = {}) {
    bhttp::request<bhttp::string_body> req(v, target, 11);
    req.set(bhttp::field::host, "localhost");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

// af::http's server_connection on an Asio TCP socket; Beast's synchronous client on the other end.
TEST(beast_files_http_bridge, af_http_serves_over_an_asio_tcp_socket) {
    io_thread io;  // declared first: the Asio socket is destroyed on it after the runtime's task ends
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(1).enable_all().build();
    tcp::acceptor acceptor(io.ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    tcp::socket client(io.ioc);
    client.connect(acceptor.local_endpoint());
    tcp::socket server_side = acceptor.accept();

    auto served = rt.spawn(af::http::serve_connection(af::asio::stream(std::move(server_side)), app));

    boost::beast::flat_buffer buf;
    for (std::string name : {"asio", "again"}) {  // two requests on one keep-alive connection
        bhttp::write(client, make_request(bhttp::verb::get, "/" + name));
        bhttp::response<bhttp::string_body> res;
        bhttp::read(client, buf, res);
        EXPECT_EQ(res.result(), bhttp::status::ok);
        EXPECT_EQ(res[bhttp::field::content_type], "text/plain");
        EXPECT_EQ(res.body(), "hello " + name);
        EXPECT_TRUE(res.keep_alive());
    }
    bhttp::write(client, make_request(bhttp::verb::post, "/echo", std::string(100'000, 'x')));
    bhttp::response<bhttp::string_body> echoed;
    bhttp::read(client, buf, echoed);
    EXPECT_EQ(echoed.body(), "echo " + std::string(100'000, 'x'));

    // The client closes: af::http sees end of stream through the adaptor and the task ends.
    client.shutdown(tcp::socket::shutdown_send);
    rt.block_on(std::move(served));
    boost::system::error_code ec;
    std::array<char, 16> rest{};
    std::size_t n = client.read_some(asio::buffer(rest), ec);
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(ec, asio::error::eof);  // af::http shut its side down in turn
}

// Beast's asynchronous client over an af TCP socket, against af::http's own server.
TEST(beast_files_http_bridge, beast_client_runs_over_an_af_socket) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(1).enable_all().build();
    io_thread io;
    auto srv = rt.block_on([]() -> af::task<af::http::server> {
        co_return af::http::server::bind(af::net::socket_addr::v4_loopback(), app);
    });
    auto running = rt.spawn(srv.run());
    af::net::tcp_stream conn = rt.block_on([addr = srv.local_addr()]() -> af::task<af::net::tcp_stream> {
        co_return co_await af::net::tcp_stream::connect(addr);
    });
    {
        af::asio::asio_stream s(std::move(conn), io.ioc.get_executor());
        boost::beast::flat_buffer buf;
        for (std::string name : {"beast", "over-af"}) {
            auto req = make_request(bhttp::verb::get, "/" + name);
            bhttp::async_write(s, req, asio::use_future).get();
            bhttp::response<bhttp::string_body> res;
            bhttp::async_read(s, buf, res, asio::use_future).get();
            EXPECT_EQ(res.result(), bhttp::status::ok);
            EXPECT_EQ(res.body(), "hello " + name);
        }
        // Let Asio's last handler finish before the af socket goes (with the runtime alive).
        asio::post(io.ioc, asio::use_future).get();
    }
    srv.shutdown(std::chrono::seconds(1));
    rt.block_on(std::move(running));
}

}  // namespace beast_files_http_bridge

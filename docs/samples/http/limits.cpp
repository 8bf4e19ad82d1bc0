// SPDX-License-Identifier: MIT
// What a hostile or broken client gets: a status and a closed connection, never a hang.
// A raw TCP client plays the part, since a well-behaved HTTP client cannot.
#include <af/http.hpp>
#include <af/io.hpp>
#include <af/net.hpp>
#include <af/rt.hpp>
#include <af/time.hpp>

#include <chrono>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;

af::task<af::http::response> ok(af::http::request) { co_return af::http::response(af::http::status::ok, "ok\n"); }

// Sends `bytes`, waits `pause`, and returns the first line of whatever comes back.
af::task<std::string> raw(af::net::socket_addr to, std::string bytes, std::chrono::milliseconds pause = 0ms) {
    auto conn = co_await af::net::tcp_stream::connect(to);
    co_await af::io::write_all(conn, std::as_bytes(std::span(bytes)));
    if (pause > 0ms) co_await af::time::sleep(pause);
    std::string got;
    co_await af::io::read_to_string(conn, got);  // the server closes after an error status
    co_return got.substr(0, got.find("\r\n"));
}

af::task<void> app() {
    af::http::server_options opts;
    opts.max_head_bytes = 1024;
    opts.max_body_bytes = 16;
    opts.header_read_timeout = 100ms;
    auto srv = af::http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), ok, opts);
    auto running = af::rt::spawn(srv.run());
    auto at = srv.local_addr();

    std::string big_head = "GET / HTTP/1.1\r\nHost: x\r\nX-Fill: " + std::string(2000, 'a') + "\r\n\r\n";
    std::printf("head too large:  %s\n", (co_await raw(at, big_head)).c_str());
    std::printf("body too large:  %s\n",
                (co_await raw(at, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")).c_str());
    std::printf("smuggling:       %s\n",
                (co_await raw(at, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")).c_str());
    std::printf("slowloris:       %s\n", (co_await raw(at, "GET / HTTP/1.1\r\nHost:", 300ms)).c_str());
    std::printf("not http:        %s\n", (co_await raw(at, "\x16\x03\x01 hello\r\n\r\n")).c_str());

    srv.shutdown(1s);
    co_await std::move(running);
}

int main() { af::rt::run(app()); }

// SPDX-License-Identifier: MIT
// Upgrade: the service answers 101 and gets the raw connection, with the bytes the client sent
// right after its request head. Here the new protocol upper-cases what it reads.
#include <af/http.hpp>
#include <af/io.hpp>
#include <af/net.hpp>
#include <af/rt.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <span>
#include <string>

af::task<af::http::response> service(af::http::request req) {
    if (req.headers().get("upgrade") != std::optional<std::string_view>("shout")) {
        co_return af::http::response(af::http::status::bad_request, "Upgrade: shout, please\n");
    }
    af::http::response r(af::http::status::switching_protocols);
    r.headers().append(af::http::header::upgrade, "shout");
    r.on_upgrade([](af::http::upgraded io) -> af::task<void> {
        char buf[256];
        for (;;) {
            std::size_t n = co_await af::io::read(io, std::as_writable_bytes(std::span(buf)));
            if (n == 0) co_return;  // the client closed its side
            for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(buf[i])));
            co_await af::io::write_all(io, std::as_bytes(std::span(buf, n)));
        }
    });
    co_return r;
}

af::task<void> app() {
    auto srv = af::http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), service);
    auto running = af::rt::spawn(srv.run());

    auto conn = co_await af::net::tcp_stream::connect(srv.local_addr());
    // The head and the new protocol's first bytes in one write: the handler still gets them.
    std::string hello = "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: shout\r\n\r\nhello";
    co_await af::io::write_all(conn, std::as_bytes(std::span(hello)));
    co_await af::io::shutdown(conn);  // end of input: the handler returns after echoing
    std::string got;
    co_await af::io::read_to_string(conn, got);
    std::printf("%s\n", got.substr(0, got.find("\r\n")).c_str());
    std::printf("after the head: %s\n", got.substr(got.find("\r\n\r\n") + 4).c_str());

    srv.shutdown(std::chrono::seconds(1));
    co_await std::move(running);
}

int main() { af::rt::run(app()); }

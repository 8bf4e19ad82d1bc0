// SPDX-License-Identifier: MIT
// Upgrades and CONNECT: a service answers 101 (or a 2xx to CONNECT) with an upgrade handler and
// gets the raw connection, including the bytes the client sent past the head. Exact bytes over
// an in-memory duplex; a custom protocol over a real socket; and curl using an af CONNECT proxy
// to tunnel to an af origin.
#include "af/http/upgrade.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <memory>
#include <string>

#include "af/http.hpp"
#include "af/io/copy_bidirectional.hpp"
#include "af/io/duplex.hpp"
#include "af/io/read.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/process/command.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/time/sleep.hpp"
#include "http/stream_helpers.hpp"

namespace http_server_upgrade_test {

namespace http = af::http;
using namespace std::chrono_literals;

using http_test::paused_runtime;
using http_test::read_to_eof;
using http_test::read_until;
using http_test::write_str;

// The new protocol of these tests: every byte comes back upper-cased, until the end of stream.
af::task<void> shout(http::upgraded io) {
    char buf[4096];
    for (;;) {
        auto r = af::io::read(io, std::as_writable_bytes(std::span(buf)));
        std::size_t n = co_await std::move(r);
        if (n == 0) co_return;
        for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(buf[i])));
        auto w = af::io::write_all(io, std::as_bytes(std::span(buf, n)));
        co_await std::move(w);
    }
}

// Switches to `shout` when asked to; records what the handler found already buffered.
struct shout_service {
    std::shared_ptr<std::atomic<long>> buffered = std::make_shared<std::atomic<long>>(-1);
    af::task<http::response> operator()(http::request req) const {
        if (!req.headers().has_token(http::header::upgrade, "shout")) co_return http::response(http::status::ok, "plain");
        http::response r(http::status::switching_protocols);
        r.headers().append(http::header::upgrade, "shout");
        r.headers().append(http::header::date, "x");
        auto seen = buffered;
        r.on_upgrade([seen](http::upgraded io) -> af::task<void> {
            seen->store(static_cast<long>(io.buffered().size()));
            co_await shout(std::move(io));
        });
        co_return r;
    }
};

constexpr std::string_view switched = "HTTP/1.1 101 Switching Protocols\r\nupgrade: shout\r\ndate: x\r\nconnection: upgrade\r\n\r\n";

TEST(http_server_upgrade, bytes_after_the_upgrade_request_go_to_the_handler_not_the_parser) {
    auto rt = paused_runtime();
    rt.block_on([]() -> af::task<void> {
        shout_service svc;
        auto [client, server] = af::io::duplex(1 << 16);
        auto h = af::rt::spawn(http::serve_connection(std::move(server), svc));
        // What follows the head looks like a pipelined request: after an upgrade it is not one.
        co_await write_str(client, "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\nget /next http/1.1\r\n\r\n");
        auto sd = af::io::shutdown(client);
        co_await std::move(sd);
        std::string out = co_await read_to_eof(client);
        EXPECT_EQ(out, std::string(switched) + "GET /NEXT HTTP/1.1\r\n\r\n");
        EXPECT_EQ(svc.buffered->load(), 22);
        co_await std::move(h);
    });
}

TEST(http_server_upgrade, the_request_deadline_ends_at_the_switch) {
    auto rt = paused_runtime();
    rt.block_on([]() -> af::task<void> {
        auto svc = [](http::request) -> af::task<http::response> {
            http::response r(http::status::switching_protocols);
            r.headers().append(http::header::upgrade, "slow");
            r.headers().append(http::header::date, "x");
            r.on_upgrade([](http::upgraded io) -> af::task<void> {
                co_await af::time::sleep(10s);  // far past request_timeout
                auto w = af::io::write_all(io, std::as_bytes(std::span("late", 4)));
                co_await std::move(w);
            });
            co_return r;
        };
        http::server_options o;
        o.request_timeout = 2s;
        auto [client, server] = af::io::duplex(1 << 16);
        auto h = af::rt::spawn(http::serve_connection(std::move(server), svc, o));
        co_await write_str(client, "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: slow\r\n\r\n");
        std::string out = co_await read_to_eof(client);
        EXPECT_EQ(out, "HTTP/1.1 101 Switching Protocols\r\nupgrade: slow\r\ndate: x\r\nconnection: upgrade\r\n\r\nlate");
        co_await std::move(h);
    });
}

TEST(http_server_upgrade, a_handler_on_a_response_that_does_not_switch_is_dropped) {
    auto rt = paused_runtime();
    rt.block_on([]() -> af::task<void> {
        auto ran = std::make_shared<std::atomic<bool>>(false);
        auto svc = [ran](http::request) -> af::task<http::response> {
            http::response r(http::status::ok, "no switch");
            r.headers().append(http::header::date, "x");
            r.on_upgrade([ran](http::upgraded) -> af::task<void> {
                ran->store(true);
                co_return;
            });
            co_return r;
        };
        auto [client, server] = af::io::duplex(1 << 16);
        auto h = af::rt::spawn(http::serve_connection(std::move(server), svc));
        co_await write_str(client, "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: shout\r\n\r\nraw bytes");
        std::string out = co_await read_to_eof(client);
        // A plain response; the bytes after the head are not HTTP, so the connection closes.
        EXPECT_EQ(out, "HTTP/1.1 200 OK\r\ndate: x\r\nconnection: close\r\ncontent-length: 9\r\n\r\nno switch");
        EXPECT_FALSE(ran->load());
        co_await std::move(h);
    });
}

TEST(http_server_upgrade, connect_in_authority_form_reaches_the_service_and_switches_on_2xx) {
    auto rt = paused_runtime();
    rt.block_on([]() -> af::task<void> {
        auto target = std::make_shared<std::string>();
        auto svc = [target](http::request req) -> af::task<http::response> {
            *target = std::string(req.method().name()) + " " + req.target();
            if (req.target() != "example.com:443") co_return http::response(http::status::forbidden, "no");
            http::response r(http::status::ok);
            r.headers().append(http::header::date, "x");
            r.on_upgrade([](http::upgraded io) -> af::task<void> {
                auto w = af::io::write_all(io, std::as_bytes(std::span("tunnel:", 7)));
                co_await std::move(w);
                co_await shout(std::move(io));
            });
            co_return r;
        };
        {
            auto [client, server] = af::io::duplex(1 << 16);
            auto h = af::rt::spawn(http::serve_connection(std::move(server), svc));
            co_await write_str(client, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nhi");
            auto sd = af::io::shutdown(client);
            co_await std::move(sd);
            std::string out = co_await read_to_eof(client);
            // No Content-Length or Transfer-Encoding on a 2xx to CONNECT (RFC 9110 9.3.6).
            EXPECT_EQ(out, "HTTP/1.1 200 OK\r\ndate: x\r\n\r\ntunnel:HI");
            EXPECT_EQ(*target, "CONNECT example.com:443");
            co_await std::move(h);
        }
        {
            auto [client, server] = af::io::duplex(1 << 16);
            auto h = af::rt::spawn(http::serve_connection(std::move(server), svc));
            co_await write_str(client, "CONNECT other.example:25 HTTP/1.1\r\nHost: other.example:25\r\n\r\n");
            std::string out = co_await read_to_eof(client);  // refused: a plain answer, then the end
            EXPECT_TRUE(out.starts_with("HTTP/1.1 403 Forbidden\r\n")) << out;
            EXPECT_NE(out.find("connection: close\r\n"), std::string::npos) << out;
            co_await std::move(h);
        }
    });
}

TEST(http_server_upgrade, a_custom_protocol_over_a_real_socket_gets_the_bytes_sent_with_the_request) {
    auto rt = af::rt::builder().multi_thread().worker_threads(2).enable_all().build();
    rt.block_on([]() -> af::task<void> {
        shout_service svc;
        auto srv = http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), svc);
        auto running = af::rt::spawn(srv.run());
        auto c = co_await af::net::tcp_stream::connect(srv.local_addr());
        // The request and the protocol's first bytes in one write (one segment on loopback).
        co_await c.write_all("GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\nhello\n");
        std::string out;
        co_await read_until(c, out, "HELLO\n");
        EXPECT_EQ(out, std::string(switched) + "HELLO\n");
        EXPECT_EQ(svc.buffered->load(), 6);
        co_await c.write_all("more\n");
        std::string more;
        co_await read_until(c, more, "MORE\n");
        EXPECT_EQ(more, "MORE\n");
        auto sd = af::io::shutdown(c);
        co_await std::move(sd);
        std::string rest = co_await read_to_eof(c);  // the handler saw the end and returned
        EXPECT_EQ(rest, "");
        srv.shutdown(5s);
        co_await std::move(running);
        EXPECT_EQ(srv.connections(), 0u);
    });
}

bool have(const char* program) {
    std::string cmd = std::string("command -v ") + program + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

std::string text(const std::vector<std::byte>& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// A CONNECT-only proxy: dials the target before answering (so a dead target is a 502), then
// copies both ways.
af::task<http::response> connect_proxy(http::request req) {
    if (req.method() != http::method::connect) co_return http::response(http::status::method_not_allowed);
    af::net::socket_addr addr = af::net::socket_addr::parse(req.target());
    std::unique_ptr<af::net::tcp_stream> upstream;
    try {
        auto dial = af::net::tcp_stream::connect(addr);
        upstream = std::make_unique<af::net::tcp_stream>(co_await std::move(dial));
    } catch (const std::system_error&) {
        upstream.reset();
    }
    if (!upstream) co_return http::response(http::status::bad_gateway);
    http::response r(http::status::ok);
    r.on_upgrade([up = std::move(upstream)](http::upgraded io) -> af::task<void> {
        auto copy = af::io::copy_bidirectional(io, *up);
        (void)co_await std::move(copy);
    });
    co_return r;
}

TEST(http_server_upgrade, curl_tunnels_through_an_af_connect_proxy) {
    if (!have("curl")) GTEST_SKIP() << "curl is not installed";
    auto rt = af::rt::builder().multi_thread().worker_threads(2).enable_all().build();
    rt.block_on([]() -> af::task<void> {
        auto hello = [](http::request req) -> af::task<http::response> {
            co_return http::response(http::status::ok, "hello " + std::string(req.path()) + "\n");
        };
        auto origin = http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), hello);
        auto proxy = http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), connect_proxy);
        auto origin_run = af::rt::spawn(origin.run());
        auto proxy_run = af::rt::spawn(proxy.run());
        af::process::command curl("curl");
        curl.arg("-sS").arg("-v").arg("--max-time").arg("20").arg("--noproxy").arg("").arg("-p");
        curl.arg("-x").arg("http://" + proxy.local_addr().to_string());
        curl.arg("http://" + origin.local_addr().to_string() + "/tunnelled").arg("http://" + origin.local_addr().to_string() + "/again");
        af::process::output o = co_await curl.output();
        std::string err = text(o.stderr_bytes);
        EXPECT_TRUE(o.status.success()) << err;
        EXPECT_EQ(text(o.stdout_bytes), "hello /tunnelled\nhello /again\n");
        EXPECT_NE(err.find("CONNECT " + origin.local_addr().to_string() + " HTTP/1.1"), std::string::npos) << err;
        EXPECT_NE(err.find("200"), std::string::npos) << err;
        proxy.shutdown(5s);
        origin.shutdown(5s);
        co_await std::move(proxy_run);
        co_await std::move(origin_run);
    });
}

}  // namespace http_server_upgrade_test

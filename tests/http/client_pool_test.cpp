// SPDX-License-Identifier: MIT
// af::http::client against tiny scripted af TCP servers: keep-alive reuse, the reuse check,
// cancel-by-drop, framing (chunked with trailers, read-to-close, HEAD, 204, 304), request
// bodies (length, chunked, trailers) and Expect: 100-continue, byte for byte.
#include "af/http/client.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "af/http/error.hpp"
#include "af/http/url.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/stream/iter.hpp"
#include "af/stream/next.hpp"
#include "af/time/sleep.hpp"
#include "af/time/timeout.hpp"

namespace http_client_pool_test {

namespace http = af::http;
using namespace std::chrono_literals;

// Every test runs on both I/O backends (the reuse check polls the socket itself, whichever
// reactor owns it); io_uring skips where the kernel or the build lacks it.
class HttpClientPool : public ::testing::TestWithParam<af::rt::io_backend> {};

std::optional<af::rt::runtime> make_runtime(af::rt::io_backend b, bool multi = false) {
    af::rt::builder rb;
    if (multi) {
        rb.multi_thread().worker_threads(2);
    } else {
        rb.current_thread();
    }
    rb.enable_all().io_backend(b);
    try {
        return rb.build();
    } catch (const std::system_error&) {
        return std::nullopt;
    }
}

#define AF_HTTP_CLIENT_RUNTIME(...)                                                   \
    auto rt = make_runtime(GetParam() __VA_OPT__(, ) __VA_ARGS__);                    \
    if (!rt) GTEST_SKIP() << "this I/O backend is not available here";

// One accepted connection, read as text.
struct peer {
    af::net::tcp_stream s;
    std::string buf;  // read, not yet consumed

    // The next request head (up to the blank line), or nullopt at the end of stream.
    af::task<std::optional<std::string>> head() {
        for (;;) {
            auto end = buf.find("\r\n\r\n");
            if (end != std::string::npos) {
                std::string h = buf.substr(0, end + 4);
                buf.erase(0, end + 4);
                co_return h;
            }
            if (!co_await fill()) co_return std::nullopt;
        }
    }
    // Exactly n more bytes (fewer at the end of stream).
    af::task<std::string> exact(std::size_t n) {
        while (buf.size() < n) {
            if (!co_await fill()) break;
        }
        std::string out = buf.substr(0, n);
        buf.erase(0, out.size());
        co_return out;
    }
    // Everything up to and including `suffix`.
    af::task<std::string> until(std::string suffix) {
        for (;;) {
            auto end = buf.find(suffix);
            if (end != std::string::npos) {
                std::string h = buf.substr(0, end + suffix.size());
                buf.erase(0, end + suffix.size());
                co_return h;
            }
            if (!co_await fill()) co_return std::string();
        }
    }
    af::task<bool> fill() {
        char tmp[4096];
        auto r = s.read(std::as_writable_bytes(std::span(tmp)));
        std::size_t n = co_await std::move(r);
        buf.append(tmp, n);
        co_return n > 0;
    }
    af::task<void> write(std::string text) {
        auto w = s.write_all(std::string_view(text));
        co_await std::move(w);
    }
    // True when the client closed the connection (end of stream, nothing else sent).
    af::task<bool> sees_eof() {
        bool more = co_await fill();
        co_return !more && buf.empty();
    }
};

af::task<peer> accept_one(af::net::tcp_listener& l) {
    auto a = co_await l.accept();
    co_return peer{std::move(a.first), {}};
}

std::string url_of(const af::net::tcp_listener& l, std::string_view path) {
    return "http://" + l.local_addr().to_string() + std::string(path);
}

af::task<std::string> body_text(http::response& r) {
    auto t = r.body().text();
    std::string s = co_await std::move(t);
    co_return s;
}

const std::string ok_hello = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";

// --- keep-alive ---

af::task<void> serve_n_on_one(af::net::tcp_listener& l, int n, std::vector<std::string>* heads) {
    peer p = co_await accept_one(l);
    for (int i = 0; i < n; ++i) {
        auto h = co_await p.head();
        if (!h) co_return;
        heads->push_back(*h);
        co_await p.write(ok_hello);
    }
}

TEST_P(HttpClientPool, KeepAliveConnectionIsReused) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        std::vector<std::string> heads;
        auto srv = af::rt::spawn(serve_n_on_one(l, 3, &heads));
        http::client c;
        for (int i = 0; i < 3; ++i) {
            auto g = c.get(url_of(l, "/p?q=1"));
            http::response r = co_await std::move(g);
            EXPECT_EQ(r.status(), http::status::ok);
            EXPECT_EQ(co_await body_text(r), "hello");
        }
        co_await std::move(srv);
        auto st = c.stats();
        EXPECT_EQ(st.connects, 1u);
        EXPECT_EQ(st.reuses, 2u);
        EXPECT_EQ(st.idle, 1u);
        EXPECT_EQ(heads.size(), 3u);
        if (!heads.empty()) {
            EXPECT_EQ(heads[0], "GET /p?q=1 HTTP/1.1\r\nhost: " + l.local_addr().to_string() + "\r\n\r\n");
        }
    }());
}

// --- the reuse check ---

af::task<void> serve_once_then_close(af::net::tcp_listener& l) {
    peer p = co_await accept_one(l);
    auto h = co_await p.head();
    co_await p.write(ok_hello);
    // the socket is closed here (FIN to the idle pooled connection)
}

TEST_P(HttpClientPool, ConnectionClosedByServerWhileIdleIsNotReused) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        auto srv = af::rt::spawn(serve_once_then_close(l));
        auto g1 = c.get(url_of(l, "/"));
        http::response r1 = co_await std::move(g1);
        EXPECT_EQ(co_await body_text(r1), "hello");
        co_await std::move(srv);  // the server has closed its end
        EXPECT_EQ(c.stats().idle, 1u);

        std::vector<std::string> heads;
        auto srv2 = af::rt::spawn(serve_n_on_one(l, 1, &heads));
        auto g2 = c.get(url_of(l, "/again"));
        http::response r2 = co_await std::move(g2);
        EXPECT_EQ(co_await body_text(r2), "hello");
        co_await std::move(srv2);
        auto st = c.stats();
        EXPECT_EQ(st.connects, 2u);
        EXPECT_EQ(st.reuses, 0u);
        EXPECT_EQ(st.stale_dropped, 1u);
        EXPECT_EQ(st.retries, 0u);
    }());
}

TEST_P(HttpClientPool, ConnectionCloseIsHonoured) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<bool> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok");
            co_return co_await p.sees_eof();  // the client closes its end
        }(l));
        auto g = c.get(url_of(l, "/"));
        http::response r = co_await std::move(g);
        EXPECT_EQ(co_await body_text(r), "ok");
        EXPECT_EQ(c.stats().idle, 0u);
        EXPECT_TRUE(co_await std::move(srv));

        // and a request that says close itself
        auto srv2 = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<std::string> {
            peer p = co_await accept_one(l);
            auto h = co_await p.head();
            co_await p.write(ok_hello);
            co_return h.value_or("");
        }(l));
        http::request req(http::method::get, url_of(l, "/"));
        req.headers().append(http::header::connection, "close");
        auto s = c.send(std::move(req));
        http::response r2 = co_await std::move(s);
        EXPECT_EQ(co_await body_text(r2), "hello");
        std::string h = co_await std::move(srv2);
        EXPECT_NE(h.find("connection: close\r\n"), std::string::npos);
        EXPECT_EQ(c.stats().idle, 0u);
    }());
}

// --- cancel-by-drop ---

TEST_P(HttpClientPool, DroppingABodyMidwayClosesTheConnection) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<bool> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n0123456789");
            co_return co_await p.sees_eof();  // never sends the rest: the client must hang up
        }(l));
        {
            auto g = c.get(url_of(l, "/big"));
            http::response r = co_await std::move(g);
            EXPECT_EQ(r.body().length(), std::optional<std::uint64_t>(100000));
            auto n = af::next(r.body());
            std::optional<af::bytes> first = co_await n;
            EXPECT_TRUE(first.has_value());
        }  // the response, and its half-read body, dropped here
        EXPECT_EQ(c.stats().idle, 0u);
        EXPECT_TRUE(co_await std::move(srv));

        // the pool still works
        std::vector<std::string> heads;
        auto srv2 = af::rt::spawn(serve_n_on_one(l, 2, &heads));
        for (int i = 0; i < 2; ++i) {
            auto g = c.get(url_of(l, "/"));
            http::response r = co_await std::move(g);
            EXPECT_EQ(co_await body_text(r), "hello");
        }
        co_await std::move(srv2);
        EXPECT_EQ(c.stats().connects, 2u);
        EXPECT_EQ(c.stats().idle, 1u);
    }());
}

TEST_P(HttpClientPool, DroppingABodyAlreadyReadWholeKeepsTheConnection) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        std::vector<std::string> heads;
        auto srv = af::rt::spawn(serve_n_on_one(l, 2, &heads));
        http::client c;
        {
            auto g = c.get(url_of(l, "/"));
            http::response r = co_await std::move(g);  // "hello" came with the head
        }  // dropped unread: the response is complete in the buffer, so the connection is clean
        EXPECT_EQ(c.stats().idle, 1u);
        auto g2 = c.get(url_of(l, "/"));
        http::response r2 = co_await std::move(g2);
        EXPECT_EQ(co_await body_text(r2), "hello");
        co_await std::move(srv);
        EXPECT_EQ(c.stats().connects, 1u);
    }());
}

TEST_P(HttpClientPool, DroppingSendBeforeTheHeadClosesTheConnection) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<bool> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 200 OK\r\ncont");  // half a head, then nothing
            co_return co_await p.sees_eof();
        }(l));
        auto t = af::time::timeout(200ms, c.get(url_of(l, "/")));
        auto r = co_await std::move(t);
        EXPECT_TRUE(r.elapsed());
        EXPECT_TRUE(co_await std::move(srv));  // the dropped request closed its connection
        EXPECT_EQ(c.stats().idle, 0u);
    }());
}

TEST_P(HttpClientPool, RequestTimeoutThrowsTimedOut) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client_options o;
        o.request_timeout = 100ms;
        http::client c(o);
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<bool> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_return co_await p.sees_eof();  // never answers
        }(l));
        bool timed_out = false;
        try {
            auto g = c.get(url_of(l, "/"));
            (void)co_await std::move(g);
        } catch (const std::system_error& e) {
            timed_out = e.code() == std::errc::timed_out;
        }
        EXPECT_TRUE(timed_out);
        EXPECT_TRUE(co_await std::move(srv));
        EXPECT_EQ(c.stats().idle, 0u);
    }());
}

// --- response framing ---

TEST_P(HttpClientPool, ChunkedResponseWithTrailers) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<void> {
            peer p = co_await accept_one(l);
            for (int i = 0; i < 2; ++i) {
                (void)co_await p.head();
                co_await p.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-sum\r\n\r\n"
                                 "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-sum: 42\r\n\r\n");
            }
        }(l));
        for (int i = 0; i < 2; ++i) {
            auto g = c.get(url_of(l, "/"));
            http::response r = co_await std::move(g);
            EXPECT_FALSE(r.body().length().has_value());
            EXPECT_EQ(co_await body_text(r), "hello world");
            EXPECT_EQ(r.body().trailers().get("x-sum"), std::optional<std::string_view>("42"));
        }
        co_await std::move(srv);
        EXPECT_EQ(c.stats().connects, 1u);
    }());
}

TEST_P(HttpClientPool, ReadToCloseBody) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<void> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.0 200 OK\r\n\r\nuntil the end");
        }(l));
        auto g = c.get(url_of(l, "/"));
        http::response r = co_await std::move(g);
        EXPECT_EQ(r.version(), http::version::http_1_0);
        EXPECT_EQ(co_await body_text(r), "until the end");
        co_await std::move(srv);
        EXPECT_EQ(c.stats().idle, 0u);
    }());
}

TEST_P(HttpClientPool, ShortBodyIsAnError) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<void> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
        }(l));
        auto g = c.get(url_of(l, "/"));
        http::response r = co_await std::move(g);
        bool incomplete = false;
        try {
            (void)co_await body_text(r);
        } catch (const std::system_error& e) {
            incomplete = e.code() == http::error::incomplete_body;
        }
        EXPECT_TRUE(incomplete);
        co_await std::move(srv);
        EXPECT_EQ(c.stats().idle, 0u);
    }());
}

TEST_P(HttpClientPool, HeadNoContentAndNotModifiedHaveNoBody) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<void> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n");  // HEAD
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 204 No Content\r\n\r\n");
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 304 Not Modified\r\ncontent-length: 7\r\n\r\n");
            (void)co_await p.head();
            co_await p.write(ok_hello);
        }(l));
        http::request h(http::method::head, url_of(l, "/"));
        auto s1 = c.send(std::move(h));
        http::response r1 = co_await std::move(s1);
        EXPECT_EQ(r1.headers().get(http::header::content_length), std::optional<std::string_view>("1000"));
        EXPECT_EQ(co_await body_text(r1), "");
        auto s2 = c.get(url_of(l, "/"));
        http::response r2 = co_await std::move(s2);
        EXPECT_EQ(r2.status(), http::status::no_content);
        EXPECT_EQ(co_await body_text(r2), "");
        auto s3 = c.get(url_of(l, "/"));
        http::response r3 = co_await std::move(s3);
        EXPECT_EQ(r3.status(), http::status::not_modified);
        EXPECT_EQ(co_await body_text(r3), "");
        auto s4 = c.get(url_of(l, "/"));
        http::response r4 = co_await std::move(s4);
        EXPECT_EQ(co_await body_text(r4), "hello");
        co_await std::move(srv);
        EXPECT_EQ(c.stats().connects, 1u);
        EXPECT_EQ(c.stats().reuses, 3u);
    }());
}

// --- request bodies ---

TEST_P(HttpClientPool, RequestBodiesWithLengthAndChunkedWithTrailers) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        std::vector<std::string> got;
        auto srv = af::rt::spawn([](af::net::tcp_listener& l, std::vector<std::string>* got) -> af::task<void> {
            peer p = co_await accept_one(l);
            auto h1 = co_await p.head();
            got->push_back(h1.value_or("") + co_await p.exact(7));
            co_await p.write(ok_hello);
            auto h2 = co_await p.head();
            got->push_back(h2.value_or("") + co_await p.until("\r\n0\r\nx-md5: abc\r\n\r\n"));
            co_await p.write(ok_hello);
        }(l, &got));
        http::request post(http::method::post, url_of(l, "/a"), "payload");
        auto s1 = c.send(std::move(post));
        http::response r1 = co_await std::move(s1);
        EXPECT_EQ(co_await body_text(r1), "hello");

        std::vector<af::bytes> parts{af::bytes::from_static("ab"), af::bytes::from_static("cde")};
        http::header_map t;
        t.append("x-md5", "abc");
        http::request put(http::method::put, url_of(l, "/b"), http::body::from_stream(af::streams::iter(std::move(parts))).with_trailers(std::move(t)));
        auto s2 = c.send(std::move(put));
        http::response r2 = co_await std::move(s2);
        EXPECT_EQ(co_await body_text(r2), "hello");
        co_await std::move(srv);
        const std::string host = l.local_addr().to_string();
        EXPECT_EQ(got.at(0), "POST /a HTTP/1.1\r\nhost: " + host + "\r\ncontent-length: 7\r\n\r\npayload");
        EXPECT_EQ(got.at(1), "PUT /b HTTP/1.1\r\nhost: " + host + "\r\ntransfer-encoding: chunked\r\n\r\n"
                             "2\r\nab\r\n3\r\ncde\r\n0\r\nx-md5: abc\r\n\r\n");
        EXPECT_EQ(c.stats().connects, 1u);
    }());
}

// --- Expect: 100-continue ---

TEST_P(HttpClientPool, ExpectContinueWaitsForTheHundred) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client_options o;
        o.expect_continue_timeout = 60s;  // a hang guard: the 100 comes
        http::client c(o);
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<std::string> {
            peer p = co_await accept_one(l);
            auto h = co_await p.head();
            // The body must not have come with the head.
            std::string early = p.buf;
            co_await p.write("HTTP/1.1 100 Continue\r\n\r\n");
            std::string b = co_await p.exact(4);
            co_await p.write("HTTP/1.1 201 Created\r\ncontent-length: 4\r\n\r\n" + b);
            co_return h.value_or("") + "|" + early + "|" + b;
        }(l));
        http::request req(http::method::post, url_of(l, "/up"), "data");
        req.headers().append(http::header::expect, "100-continue");
        auto s = c.send(std::move(req));
        http::response r = co_await std::move(s);
        EXPECT_EQ(r.status(), http::status::created);
        EXPECT_EQ(co_await body_text(r), "data");
        std::string seen = co_await std::move(srv);
        EXPECT_EQ(seen, "POST /up HTTP/1.1\r\nhost: " + l.local_addr().to_string() +
                            "\r\nexpect: 100-continue\r\ncontent-length: 4\r\n\r\n||data");
        EXPECT_EQ(c.stats().idle, 1u);
    }());
}

TEST_P(HttpClientPool, ExpectContinueRefusedSendsNoBody) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client_options o;
        o.expect_continue_timeout = 60s;
        http::client c(o);
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<bool> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 417 Expectation Failed\r\ncontent-length: 0\r\n\r\n");
            co_return co_await p.sees_eof();  // no body came, and the connection was closed
        }(l));
        http::request req(http::method::post, url_of(l, "/up"), "data");
        req.headers().append(http::header::expect, "100-continue");
        auto s = c.send(std::move(req));
        http::response r = co_await std::move(s);
        EXPECT_EQ(r.status(), http::status::expectation_failed);
        EXPECT_TRUE(co_await std::move(srv));
        EXPECT_EQ(c.stats().idle, 0u);
    }());
}

TEST_P(HttpClientPool, ExpectContinueTimeoutSendsTheBodyAnyway) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client_options o;
        o.expect_continue_timeout = 50ms;
        http::client c(o);
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<std::string> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            std::string b = co_await p.exact(4);  // a server that ignores Expect
            co_await p.write(ok_hello);
            co_return b;
        }(l));
        http::request req(http::method::post, url_of(l, "/up"), "data");
        req.headers().append(http::header::expect, "100-continue");
        auto s = c.send(std::move(req));
        http::response r = co_await std::move(s);
        EXPECT_EQ(co_await body_text(r), "hello");
        EXPECT_EQ(co_await std::move(srv), "data");
    }());
}

// --- retry, idle timeout, idle limit, many tasks ---

TEST_P(HttpClientPool, ReusedConnectionClosedBeforeAnswerIsRetriedOnce) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c;
        auto srv = af::rt::spawn([](af::net::tcp_listener& l) -> af::task<std::string> {
            peer a = co_await accept_one(l);
            (void)co_await a.head();
            co_await a.write(ok_hello);
            (void)co_await a.head();  // the second request on the same connection...
            a.s = af::net::tcp_stream();  // ...is not answered: the server closes instead
            peer b = co_await accept_one(l);
            auto h = co_await b.head();
            std::string body = co_await b.exact(3);
            co_await b.write(ok_hello);
            co_return body;
        }(l));
        auto g1 = c.get(url_of(l, "/"));
        http::response r1 = co_await std::move(g1);
        EXPECT_EQ(co_await body_text(r1), "hello");
        http::request post(http::method::post, url_of(l, "/"), "abc");
        auto s2 = c.send(std::move(post));
        http::response r2 = co_await std::move(s2);
        EXPECT_EQ(co_await body_text(r2), "hello");
        EXPECT_EQ(co_await std::move(srv), "abc");  // the same body, sent again
        auto st = c.stats();
        EXPECT_EQ(st.connects, 2u);
        EXPECT_EQ(st.reuses, 1u);
        EXPECT_EQ(st.retries, 1u);
    }());
}

// Serves ok_hello on every connection, for every request, until the client hangs up.
af::task<void> serve_conn(peer p) {
    while (auto h = co_await p.head()) co_await p.write(ok_hello);
}
af::task<void> serve_forever(af::net::tcp_listener& l) {
    for (;;) {
        peer p = co_await accept_one(l);
        af::rt::spawn(serve_conn(std::move(p)));
    }
}

TEST_P(HttpClientPool, IdleTimeoutClosesPooledConnections) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto srv = af::rt::spawn(serve_forever(l));
        http::client_options o;
        o.idle_timeout = 50ms;
        http::client c(o);
        auto g1 = c.get(url_of(l, "/"));
        http::response r1 = co_await std::move(g1);
        EXPECT_EQ(co_await body_text(r1), "hello");
        EXPECT_EQ(c.stats().idle, 1u);
        co_await af::time::sleep(120ms);  // the time under test, not a synchronisation
        auto g2 = c.get(url_of(l, "/"));
        http::response r2 = co_await std::move(g2);
        EXPECT_EQ(co_await body_text(r2), "hello");
        auto st = c.stats();
        EXPECT_EQ(st.connects, 2u);
        EXPECT_EQ(st.stale_dropped, 1u);
        srv.abort();
    }());
}

TEST_P(HttpClientPool, IdleLimitPerHost) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto srv = af::rt::spawn(serve_forever(l));
        http::client_options o;
        o.max_idle_per_host = 2;
        http::client c(o);
        // Four responses open at once: four connections.
        std::vector<http::response> open;
        for (int i = 0; i < 4; ++i) {
            auto g = c.get(url_of(l, "/"));
            open.push_back(co_await std::move(g));
        }
        EXPECT_EQ(c.stats().connects, 4u);
        for (auto& r : open) EXPECT_EQ(co_await body_text(r), "hello");
        EXPECT_EQ(c.stats().idle, 2u);
        c.clear_idle();
        EXPECT_EQ(c.stats().idle, 0u);
        srv.abort();
    }());
}

TEST_P(HttpClientPool, ManyTasksOnAMultiThreadRuntimeShareOnePool) {
    AF_HTTP_CLIENT_RUNTIME(true)
    rt->block_on([]() -> af::task<void> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto srv = af::rt::spawn(serve_forever(l));
        http::client c;
        const std::string u = url_of(l, "/");
        std::vector<af::join_handle<int>> tasks;
        for (int t = 0; t < 8; ++t) {
            tasks.push_back(af::rt::spawn([](http::client c, std::string u) -> af::task<int> {
                int ok = 0;
                for (int i = 0; i < 10; ++i) {
                    auto g = c.get(u);
                    http::response r = co_await std::move(g);
                    if (co_await body_text(r) == "hello") ++ok;
                }
                co_return ok;
            }(c, u)));
        }
        int ok = 0;
        for (auto& h : tasks) ok += co_await std::move(h);
        EXPECT_EQ(ok, 80);
        auto st = c.stats();
        EXPECT_LE(st.connects, 8u);
        EXPECT_EQ(st.connects + st.reuses, 80u);
        EXPECT_EQ(st.idle, st.connects);
        srv.abort();
    }());
}

// --- URLs ---

TEST_P(HttpClientPool, UrlParts) {
    auto u = http::url::parse("HTTP://Example.COM:8080/a%20b?q=1#frag");
    EXPECT_EQ(u.scheme(), "http");
    EXPECT_EQ(u.host(), "example.com");
    EXPECT_EQ(u.port(), 8080);
    EXPECT_EQ(u.target(), "/a%20b?q=1");
    EXPECT_EQ(u.authority(), "example.com:8080");
    auto v = http::url::parse("http://[::1]/");
    EXPECT_EQ(v.host(), "[::1]");
    EXPECT_EQ(v.port(), 80);
    EXPECT_EQ(v.authority(), "[::1]");
    EXPECT_EQ(v.host_and_port(), "[::1]:80");
    EXPECT_EQ(http::url::parse("http://h").target(), "/");
    EXPECT_THROW((void)http::url::parse("/relative"), std::invalid_argument);
    EXPECT_THROW((void)http::url::parse("ftp://h/"), std::invalid_argument);
    EXPECT_THROW((void)http::url::parse("http://h:99999/"), std::invalid_argument);
}

TEST_P(HttpClientPool, HttpsIsAClearError) {
    AF_HTTP_CLIENT_RUNTIME()
    rt->block_on([]() -> af::task<void> {
        http::client c;
        std::string what;
        try {
            auto g = c.get("https://127.0.0.1:1/");
            (void)co_await std::move(g);
        } catch (const std::invalid_argument& e) {
            what = e.what();
        }
        EXPECT_NE(what.find("https is not supported"), std::string::npos) << what;
    }());
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpClientPool, ::testing::Values(af::rt::io_backend::epoll, af::rt::io_backend::io_uring),
                         [](const ::testing::TestParamInfo<af::rt::io_backend>& i) {
                             return std::string(i.param == af::rt::io_backend::epoll ? "epoll" : "io_uring");
                         });

}  // namespace http_client_pool_test

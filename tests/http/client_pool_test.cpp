// SPDX-License-Identifier: MIT
// af::http::client against tiny scripted af TCP servers: keep-alive reuse, the reuse check,
// cancel-by-drop, framing (chunked with trailers, read-to-close, HEAD, 204, 304), request
// bodies (length, chunked, trailers) and Expect: 100-continue, byte for byte.
#include "af/http/client.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
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
using listener = af::net::tcp_listener;
using namespace std::chrono_literals;

// Every test runs on both I/O backends (the reuse check polls the socket itself, whichever
// reactor owns it); io_uring skips where the kernel or the build lacks it.
class http_client_pool : public ::testing::TestWithParam<af::rt::io_backend> {
protected:
    enum class threads { current, multi };

    // The arrangement every networked test shares: a runtime of this backend, a loopback
    // listener for the test's own server, and a client. `test` gets the listener and the client
    // and returns the task to run; the test is skipped where the backend is not available.
    template <class F>
    void run(F test, http::client_options o = {}, threads t = threads::current) {
        af::rt::builder rb;
        if (t == threads::multi) {
            rb.multi_thread().worker_threads(2);
        } else {
            rb.current_thread();
        }
        rb.enable_all().io_backend(GetParam());
        std::optional<af::rt::runtime> rt;
        try {
            rt.emplace(rb.build());
        } catch (const std::system_error&) {
            GTEST_SKIP() << "this I/O backend is not available here";
        }
        rt->block_on(with_listener_and_client(std::move(test), o));
    }

private:
    // A coroutine of its own, so that the listener and the client live in its frame as long as
    // the test's task, which borrows them.
    template <class F>
    static af::task<void> with_listener_and_client(F test, http::client_options o) {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c(o);
        co_await test(l, c);
    }
};

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

// GET `url` and read the whole body as text (the response is dropped once it is read).
af::task<std::string> get_text(http::client& c, std::string url) {
    auto g = c.get(url);
    http::response r = co_await std::move(g);
    co_return co_await body_text(r);
}

const std::string ok_hello = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
// A canned response that answers nothing: the server reads the request and stays silent.
const std::string no_answer;

// What a canned server saw.
struct served {
    std::vector<std::string> heads;  // the request heads it read, in order
    bool hung_up = false;            // the client closed, sending nothing more (with then::wait_for_hang_up)

    // The i-th head, or "" when the client sent fewer.
    std::string head(std::size_t i) const { return i < heads.size() ? heads[i] : std::string(); }
};

// What a canned server does after its last response: close its end at once, or wait to see
// the client close the connection.
enum class then { close, wait_for_hang_up };

af::task<served> serve_canned(af::net::tcp_listener& l, std::vector<std::string> responses, then end) {
    peer p = co_await accept_one(l);
    served out;
    for (auto& r : responses) {
        auto h = co_await p.head();
        if (!h) co_return out;
        out.heads.push_back(std::move(*h));
        if (!r.empty()) co_await p.write(std::move(r));  // no_answer writes nothing
    }
    if (end == then::wait_for_hang_up) out.hung_up = co_await p.sees_eof();
    co_return out;
}

// The server most tests want: one connection; for each response, one request head read, then
// the response written. Await the handle for what it saw.
af::join_handle<served> canned_server(af::net::tcp_listener& l, std::vector<std::string> responses, then end = then::close) {
    return af::rt::spawn(serve_canned(l, std::move(responses), end));
}

// A server for one connection that does more than answer heads: `script` gets the accepted
// peer and returns the task that talks to it. Await the handle for what the script returns.
template <class F>
auto scripted_server(af::net::tcp_listener& l, F script) {
    using task_t = std::invoke_result_t<F&, peer&>;
    // `script` is a parameter, so it lives in this coroutine's frame while its task runs.
    return af::rt::spawn([](af::net::tcp_listener& l, F script) -> task_t {
        peer p = co_await accept_one(l);
        co_return co_await script(p);
    }(l, std::move(script)));
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

// --- keep-alive ---

TEST_P(http_client_pool, a_kept_alive_connection_is_reused_by_the_next_requests) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = canned_server(l, {ok_hello, ok_hello, ok_hello});
        for (int i = 0; i < 3; ++i) {
            auto g = c.get(url_of(l, "/p?q=1"));
            http::response r = co_await std::move(g);
            EXPECT_EQ(r.status(), http::status::ok);
            EXPECT_EQ(co_await body_text(r), "hello");
        }
        served s = co_await std::move(srv);
        auto st = c.stats();
        EXPECT_EQ(st.connects, 1u);
        EXPECT_EQ(st.reuses, 2u);
        EXPECT_EQ(st.idle, 1u);
        EXPECT_EQ(s.heads.size(), 3u);
        if (!s.heads.empty()) {
            EXPECT_EQ(s.heads[0], "GET /p?q=1 HTTP/1.1\r\nhost: " + l.local_addr().to_string() + "\r\n\r\n");
        }
    });
}

// --- the reuse check ---

TEST_P(http_client_pool, a_connection_the_server_closed_while_idle_is_not_reused) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = canned_server(l, {ok_hello});  // then closes: FIN to the idle pooled connection
        EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
        (void)co_await std::move(srv);  // the server has closed its end
        EXPECT_EQ(c.stats().idle, 1u);

        auto srv2 = canned_server(l, {ok_hello});
        EXPECT_EQ(co_await get_text(c, url_of(l, "/again")), "hello");
        (void)co_await std::move(srv2);
        auto st = c.stats();
        EXPECT_EQ(st.connects, 2u);
        EXPECT_EQ(st.reuses, 0u);
        EXPECT_EQ(st.stale_dropped, 1u);
        EXPECT_EQ(st.retries, 0u);
    });
}

TEST_P(http_client_pool, connection_close_from_either_side_keeps_the_connection_out_of_the_pool) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = canned_server(l, {"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"}, then::wait_for_hang_up);
        auto g = c.get(url_of(l, "/"));
        http::response r = co_await std::move(g);
        EXPECT_EQ(co_await body_text(r), "ok");
        EXPECT_EQ(c.stats().idle, 0u);
        EXPECT_TRUE((co_await std::move(srv)).hung_up);  // the client closes its end

        // and a request that says close itself
        auto srv2 = canned_server(l, {ok_hello});
        http::request req(http::method::get, url_of(l, "/"));
        req.headers().append(http::header::connection, "close");
        auto s = c.send(std::move(req));
        http::response r2 = co_await std::move(s);
        EXPECT_EQ(co_await body_text(r2), "hello");
        std::string h = (co_await std::move(srv2)).head(0);
        EXPECT_NE(h.find("connection: close\r\n"), std::string::npos);
        EXPECT_EQ(c.stats().idle, 0u);
    });
}

// --- cancel-by-drop ---

TEST_P(http_client_pool, dropping_a_body_midway_closes_its_connection) {
    run([](listener& l, http::client& c) -> af::task<void> {
        // Never sends the rest: the client must hang up.
        auto srv = canned_server(l, {"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n0123456789"}, then::wait_for_hang_up);
        {
            auto g = c.get(url_of(l, "/big"));
            http::response r = co_await std::move(g);
            EXPECT_EQ(r.body().length(), std::optional<std::uint64_t>(100000));
            auto n = af::next(r.body());
            std::optional<af::bytes> first = co_await n;
            EXPECT_TRUE(first.has_value());
        }  // the response, and its half-read body, dropped here
        EXPECT_EQ(c.stats().idle, 0u);
        EXPECT_TRUE((co_await std::move(srv)).hung_up);

        // the pool still works
        auto srv2 = canned_server(l, {ok_hello, ok_hello});
        for (int i = 0; i < 2; ++i) {
            EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
        }
        (void)co_await std::move(srv2);
        EXPECT_EQ(c.stats().connects, 2u);
        EXPECT_EQ(c.stats().idle, 1u);
    });
}

TEST_P(http_client_pool, dropping_a_body_that_arrived_whole_keeps_its_connection) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = canned_server(l, {ok_hello, ok_hello});
        {
            auto g = c.get(url_of(l, "/"));
            http::response r = co_await std::move(g);  // "hello" came with the head
        }  // dropped unread: the response is complete in the buffer, so the connection is clean
        EXPECT_EQ(c.stats().idle, 1u);
        EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
        (void)co_await std::move(srv);
        EXPECT_EQ(c.stats().connects, 1u);
    });
}

TEST_P(http_client_pool, dropping_a_request_before_its_response_head_closes_its_connection) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = canned_server(l, {"HTTP/1.1 200 OK\r\ncont"}, then::wait_for_hang_up);  // half a head, then nothing
        auto t = af::time::timeout(200ms, c.get(url_of(l, "/")));
        auto r = co_await std::move(t);
        EXPECT_TRUE(r.elapsed());
        EXPECT_TRUE((co_await std::move(srv)).hung_up);  // the dropped request closed its connection
        EXPECT_EQ(c.stats().idle, 0u);
    });
}

TEST_P(http_client_pool, the_request_timeout_throws_timed_out_and_closes_the_connection) {
    http::client_options o;
    o.request_timeout = 100ms;
    run(
        [](listener& l, http::client& c) -> af::task<void> {
            auto srv = canned_server(l, {no_answer}, then::wait_for_hang_up);
            bool timed_out = false;
            try {
                auto g = c.get(url_of(l, "/"));
                (void)co_await std::move(g);
            } catch (const std::system_error& e) {
                timed_out = e.code() == std::errc::timed_out;
            }
            EXPECT_TRUE(timed_out);
            EXPECT_TRUE((co_await std::move(srv)).hung_up);
            EXPECT_EQ(c.stats().idle, 0u);
        },
        o);
}

// --- response framing ---

TEST_P(http_client_pool, a_chunked_response_gives_its_body_then_its_trailers) {
    run([](listener& l, http::client& c) -> af::task<void> {
        const std::string chunked =
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-sum\r\n\r\n"
            "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-sum: 42\r\n\r\n";
        auto srv = canned_server(l, {chunked, chunked});
        for (int i = 0; i < 2; ++i) {
            auto g = c.get(url_of(l, "/"));
            http::response r = co_await std::move(g);
            EXPECT_FALSE(r.body().length().has_value());
            EXPECT_EQ(co_await body_text(r), "hello world");
            EXPECT_EQ(r.body().trailers().get("x-sum"), std::optional<std::string_view>("42"));
        }
        (void)co_await std::move(srv);
        EXPECT_EQ(c.stats().connects, 1u);
    });
}

TEST_P(http_client_pool, a_read_to_close_body_ends_at_eof) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = canned_server(l, {"HTTP/1.0 200 OK\r\n\r\nuntil the end"});
        auto g = c.get(url_of(l, "/"));
        http::response r = co_await std::move(g);
        EXPECT_EQ(r.version(), http::version::http_1_0);
        EXPECT_EQ(co_await body_text(r), "until the end");
        (void)co_await std::move(srv);
        EXPECT_EQ(c.stats().idle, 0u);
    });
}

TEST_P(http_client_pool, a_body_shorter_than_its_content_length_is_an_incomplete_body_error) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = canned_server(l, {"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc"});
        auto g = c.get(url_of(l, "/"));
        http::response r = co_await std::move(g);
        bool incomplete = false;
        try {
            (void)co_await body_text(r);
        } catch (const std::system_error& e) {
            incomplete = e.code() == http::error::incomplete_body;
        }
        EXPECT_TRUE(incomplete);
        (void)co_await std::move(srv);
        EXPECT_EQ(c.stats().idle, 0u);
    });
}

TEST_P(http_client_pool, responses_to_head_and_204_and_304_have_no_body) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = canned_server(l, {
                                        "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n",  // HEAD
                                        "HTTP/1.1 204 No Content\r\n\r\n",
                                        "HTTP/1.1 304 Not Modified\r\ncontent-length: 7\r\n\r\n",
                                        ok_hello,
                                    });
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
        EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
        (void)co_await std::move(srv);
        EXPECT_EQ(c.stats().connects, 1u);
        EXPECT_EQ(c.stats().reuses, 3u);
    });
}

// --- request bodies ---

TEST_P(http_client_pool, request_bodies_go_with_a_content_length_or_chunked_with_trailers) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = scripted_server(l, [](peer& p) -> af::task<std::vector<std::string>> {
            std::vector<std::string> got;
            auto h1 = co_await p.head();
            got.push_back(h1.value_or("") + co_await p.exact(7));
            co_await p.write(ok_hello);
            auto h2 = co_await p.head();
            got.push_back(h2.value_or("") + co_await p.until("\r\n0\r\nx-md5: abc\r\n\r\n"));
            co_await p.write(ok_hello);
            co_return got;
        });
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
        std::vector<std::string> got = co_await std::move(srv);
        const std::string host = l.local_addr().to_string();
        EXPECT_EQ(got.at(0), "POST /a HTTP/1.1\r\nhost: " + host + "\r\ncontent-length: 7\r\n\r\npayload");
        EXPECT_EQ(got.at(1), "PUT /b HTTP/1.1\r\nhost: " + host + "\r\ntransfer-encoding: chunked\r\n\r\n"
                             "2\r\nab\r\n3\r\ncde\r\n0\r\nx-md5: abc\r\n\r\n");
        EXPECT_EQ(c.stats().connects, 1u);
    });
}

// --- Expect: 100-continue ---

// A POST of "data" to /up that asks for a 100 first.
http::request post_expecting_continue(const listener& l) {
    http::request req(http::method::post, url_of(l, "/up"), "data");
    req.headers().append(http::header::expect, "100-continue");
    return req;
}

TEST_P(http_client_pool, expect_continue_holds_the_body_back_until_the_100) {
    http::client_options o;
    o.expect_continue_timeout = 60s;  // a hang guard: the 100 comes
    run(
        [](listener& l, http::client& c) -> af::task<void> {
            auto srv = scripted_server(l, [](peer& p) -> af::task<std::string> {
                auto h = co_await p.head();
                // The body must not have come with the head.
                std::string early = p.buf;
                co_await p.write("HTTP/1.1 100 Continue\r\n\r\n");
                std::string b = co_await p.exact(4);
                co_await p.write("HTTP/1.1 201 Created\r\ncontent-length: 4\r\n\r\n" + b);
                co_return h.value_or("") + "|" + early + "|" + b;
            });
            auto s = c.send(post_expecting_continue(l));
            http::response r = co_await std::move(s);
            EXPECT_EQ(r.status(), http::status::created);
            EXPECT_EQ(co_await body_text(r), "data");
            std::string seen = co_await std::move(srv);
            EXPECT_EQ(seen, "POST /up HTTP/1.1\r\nhost: " + l.local_addr().to_string() +
                                "\r\nexpect: 100-continue\r\ncontent-length: 4\r\n\r\n||data");
            EXPECT_EQ(c.stats().idle, 1u);
        },
        o);
}

TEST_P(http_client_pool, a_refused_expect_continue_sends_no_body_and_closes_the_connection) {
    http::client_options o;
    o.expect_continue_timeout = 60s;
    run(
        [](listener& l, http::client& c) -> af::task<void> {
            auto srv = canned_server(l, {"HTTP/1.1 417 Expectation Failed\r\ncontent-length: 0\r\n\r\n"}, then::wait_for_hang_up);
            auto s = c.send(post_expecting_continue(l));
            http::response r = co_await std::move(s);
            EXPECT_EQ(r.status(), http::status::expectation_failed);
            EXPECT_TRUE((co_await std::move(srv)).hung_up);  // no body came, and the connection was closed
            EXPECT_EQ(c.stats().idle, 0u);
        },
        o);
}

TEST_P(http_client_pool, expect_continue_sends_the_body_anyway_after_its_timeout) {
    http::client_options o;
    o.expect_continue_timeout = 50ms;
    run(
        [](listener& l, http::client& c) -> af::task<void> {
            auto srv = scripted_server(l, [](peer& p) -> af::task<std::string> {
                (void)co_await p.head();
                std::string b = co_await p.exact(4);  // a server that ignores Expect
                co_await p.write(ok_hello);
                co_return b;
            });
            auto s = c.send(post_expecting_continue(l));
            http::response r = co_await std::move(s);
            EXPECT_EQ(co_await body_text(r), "hello");
            EXPECT_EQ(co_await std::move(srv), "data");
        },
        o);
}

// --- retry, idle timeout, idle limit, many tasks ---

TEST_P(http_client_pool, a_reused_connection_closed_before_the_answer_is_retried_once) {
    run([](listener& l, http::client& c) -> af::task<void> {
        // Two connections, so not a scripted_server.
        auto srv = af::rt::spawn([](listener& l) -> af::task<std::string> {
            peer a = co_await accept_one(l);
            (void)co_await a.head();
            co_await a.write(ok_hello);
            (void)co_await a.head();      // the second request on the same connection...
            a.s = af::net::tcp_stream();  // ...is not answered: the server closes instead
            peer b = co_await accept_one(l);
            auto h = co_await b.head();
            std::string body = co_await b.exact(3);
            co_await b.write(ok_hello);
            co_return body;
        }(l));
        EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
        http::request put(http::method::put, url_of(l, "/"), "abc");  // idempotent: may be sent again
        auto s2 = c.send(std::move(put));
        http::response r2 = co_await std::move(s2);
        EXPECT_EQ(co_await body_text(r2), "hello");
        EXPECT_EQ(co_await std::move(srv), "abc");  // the same body, sent again
        auto st = c.stats();
        EXPECT_EQ(st.connects, 2u);
        EXPECT_EQ(st.reuses, 1u);
        EXPECT_EQ(st.retries, 1u);
    });
}

TEST_P(http_client_pool, the_idle_timeout_drops_pooled_connections) {
    http::client_options o;
    o.idle_timeout = 50ms;
    run(
        [](listener& l, http::client& c) -> af::task<void> {
            auto srv = af::rt::spawn(serve_forever(l));
            EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
            EXPECT_EQ(c.stats().idle, 1u);
            co_await af::time::sleep(120ms);  // the time under test, not a synchronisation
            EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
            auto st = c.stats();
            EXPECT_EQ(st.connects, 2u);
            EXPECT_EQ(st.stale_dropped, 1u);
            srv.abort();
        },
        o);
}

TEST_P(http_client_pool, no_more_than_max_idle_per_host_connections_are_pooled) {
    http::client_options o;
    o.max_idle_per_host = 2;
    run(
        [](listener& l, http::client& c) -> af::task<void> {
            auto srv = af::rt::spawn(serve_forever(l));
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
        },
        o);
}

TEST_P(http_client_pool, many_tasks_on_a_multi_thread_runtime_share_one_pool) {
    run(
        [](listener& l, http::client& c) -> af::task<void> {
            auto srv = af::rt::spawn(serve_forever(l));
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
        },
        {}, threads::multi);
}

// --- URLs ---

TEST_P(http_client_pool, a_url_parses_into_its_parts) {
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
    EXPECT_THROW((void)http::url::parse("ftp://h/"), af::error);  // unsupported_scheme: client_errors_test
    EXPECT_THROW((void)http::url::parse("http://h:99999/"), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(backends, http_client_pool, ::testing::Values(af::rt::io_backend::epoll, af::rt::io_backend::io_uring),
                         [](const ::testing::TestParamInfo<af::rt::io_backend>& i) {
                             return std::string(i.param == af::rt::io_backend::epoll ? "epoll" : "io_uring");
                         });

}  // namespace http_client_pool_test

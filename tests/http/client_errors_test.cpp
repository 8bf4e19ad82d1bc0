// SPDX-License-Identifier: MIT
// af::http::client's error model against scripted raw-TCP servers: a close or a reset before
// any byte of the response is connection_closed (retried once on a reused connection for an
// idempotent method only), a scheme other than http is unsupported_scheme, and every message
// names what failed and the exchange ("GET http://host:port/path"), with neutral wording.
#include "af/http/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

#include "af/core/error.hpp"
#include "af/http/error.hpp"
#include "af/http/url.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"

namespace http_client_errors_test {

namespace http = af::http;
using listener = af::net::tcp_listener;
using namespace std::chrono_literals;

class http_client_errors : public ::testing::TestWithParam<af::rt::io_backend> {
protected:
    // Runs `test(listener, client)` on a current-thread runtime of this backend (skipped where
    // the backend is not available).
    template <class F>
    void run(F test, http::client_options o = {}) {
        std::optional<af::rt::runtime> rt;
        try {
            rt.emplace(af::rt::builder().current_thread().enable_all().io_backend(GetParam()).build());
        } catch (const std::system_error&) {
            GTEST_SKIP() << "this I/O backend is not available here";
        }
        rt->block_on(with_listener_and_client(std::move(test), o));
    }

private:
    template <class F>
    static af::task<void> with_listener_and_client(F test, http::client_options o) {
        auto l = listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        http::client c(o);
        co_await test(l, c);
    }
};

// One accepted connection, read as text.
struct peer {
    af::net::tcp_stream s;
    std::string buf;

    // The next request head, or "" at the end of stream.
    af::task<std::string> head() {
        for (;;) {
            auto end = buf.find("\r\n\r\n");
            if (end != std::string::npos) {
                std::string h = buf.substr(0, end + 4);
                buf.erase(0, end + 4);
                co_return h;
            }
            char tmp[4096];
            auto r = s.read(std::as_writable_bytes(std::span(tmp)));
            std::size_t n = co_await std::move(r);
            if (n == 0) co_return std::string();
            buf.append(tmp, n);
        }
    }
    af::task<void> write(std::string text) {
        auto w = s.write_all(std::string_view(text));
        co_await std::move(w);
    }
    // Closes with a reset (SO_LINGER 0) instead of a FIN.
    void reset() {
        s.set_linger(std::chrono::seconds(0));
        s = af::net::tcp_stream();
    }
    void close() { s = af::net::tcp_stream(); }
};

af::task<peer> accept_one(listener& l) {
    auto a = co_await l.accept();
    co_return peer{std::move(a.first), {}};
}

std::string url_of(const listener& l, std::string_view path) { return "http://" + l.local_addr().to_string() + std::string(path); }

const std::string ok_hello = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";

// What a failed exchange threw: its code and message (an empty code when nothing was thrown).
struct failure {
    std::error_code code;
    std::string what;
};

template <class Task>
af::task<failure> failure_of(Task t) {
    failure f;
    try {
        (void)co_await std::move(t);
    } catch (const std::system_error& e) {
        f.code = e.code();
        f.what = e.what();
    }
    co_return f;
}

af::task<std::string> get_text(http::client& c, std::string u) {
    auto g = c.get(std::move(u));
    http::response r = co_await std::move(g);
    auto t = r.body().text();
    co_return co_await std::move(t);
}

// A connection answered once with ok_hello; then `second` decides what the next request on
// it gets. Serves one more connection with ok_hello when `then_serve_again`.
template <class F>
af::join_handle<int> answer_once_then(listener& l, F second, bool then_serve_again) {
    return af::rt::spawn([](listener& l, F second, bool again) -> af::task<int> {
        peer a = co_await accept_one(l);
        (void)co_await a.head();
        co_await a.write(ok_hello);
        auto h = co_await a.head();
        if (h.empty()) co_return 0;
        co_await second(a);
        if (!again) co_return 1;
        peer b = co_await accept_one(l);
        (void)co_await b.head();
        co_await b.write(ok_hello);
        co_return 2;  // connections served
    }(l, std::move(second), then_serve_again));
}

// --- closed before any byte of the response ---

TEST_P(http_client_errors, a_close_before_any_byte_of_the_response_is_connection_closed) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = af::rt::spawn([](listener& l) -> af::task<void> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            p.close();
        }(l));
        failure f = co_await failure_of(c.get(url_of(l, "/gone")));
        co_await std::move(srv);
        EXPECT_EQ(f.code, http::error::connection_closed) << f.what;
        EXPECT_NE(f.what.find("closed by the peer before any byte of the response"), std::string::npos) << f.what;
        EXPECT_NE(f.what.find("(GET " + url_of(l, "/gone") + ")"), std::string::npos) << f.what;
        EXPECT_EQ(c.stats().retries, 0u);  // a fresh connection: nothing to blame on the pool
    });
}

TEST_P(http_client_errors, a_reset_before_any_byte_of_the_response_is_connection_closed) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = af::rt::spawn([](listener& l) -> af::task<void> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            p.reset();
        }(l));
        failure f = co_await failure_of(c.get(url_of(l, "/rst")));
        co_await std::move(srv);
        EXPECT_EQ(f.code, http::error::connection_closed) << f.what;
        EXPECT_NE(f.what.find("before any byte of the response"), std::string::npos) << f.what;
        EXPECT_NE(f.what.find(url_of(l, "/rst")), std::string::npos) << f.what;
    });
}

TEST_P(http_client_errors, a_close_in_the_middle_of_the_head_is_connection_closed_and_says_so) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = af::rt::spawn([](listener& l) -> af::task<void> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 200 OK\r\ncontent-le");
            p.close();
        }(l));
        failure f = co_await failure_of(c.get(url_of(l, "/half")));
        co_await std::move(srv);
        EXPECT_EQ(f.code, http::error::connection_closed) << f.what;
        EXPECT_NE(f.what.find("in the middle of the response head"), std::string::npos) << f.what;
    });
}

// --- the retry: reused connections, idempotent methods only ---

TEST_P(http_client_errors, a_get_on_a_reused_connection_reset_before_the_answer_is_retried_once) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = answer_once_then(l, [](peer& p) -> af::task<void> { p.reset(); co_return; }, true);
        EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
        EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
        EXPECT_EQ(co_await std::move(srv), 2);
        auto st = c.stats();
        EXPECT_EQ(st.connects, 2u);
        EXPECT_EQ(st.reuses, 1u);
        EXPECT_EQ(st.retries, 1u);
    });
}

TEST_P(http_client_errors, a_post_on_a_reused_connection_closed_before_the_answer_is_not_retried) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = answer_once_then(l, [](peer& p) -> af::task<void> { p.close(); co_return; }, false);
        EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
        http::request post(http::method::post, url_of(l, "/order"), "one pizza");
        failure f = co_await failure_of(c.send(std::move(post)));
        EXPECT_EQ(co_await std::move(srv), 1);
        EXPECT_EQ(f.code, http::error::connection_closed) << f.what;
        EXPECT_NE(f.what.find("(POST " + url_of(l, "/order") + ")"), std::string::npos) << f.what;
        auto st = c.stats();
        EXPECT_EQ(st.connects, 1u);  // the server may have taken the order: never sent twice
        EXPECT_EQ(st.retries, 0u);
    });
}

TEST_P(http_client_errors, a_reused_connection_that_fails_after_a_response_byte_is_not_retried) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = answer_once_then(
            l,
            [](peer& p) -> af::task<void> {
                co_await p.write("HTTP/1.1 2");
                p.close();
            },
            false);
        EXPECT_EQ(co_await get_text(c, url_of(l, "/")), "hello");
        failure f = co_await failure_of(c.get(url_of(l, "/")));
        EXPECT_EQ(co_await std::move(srv), 1);
        EXPECT_EQ(f.code, http::error::connection_closed) << f.what;
        EXPECT_NE(f.what.find("in the middle of the response head"), std::string::npos) << f.what;
        EXPECT_EQ(c.stats().retries, 0u);
    });
}

// --- schemes ---

TEST_P(http_client_errors, a_scheme_other_than_http_is_unsupported_scheme) {
    run([](listener&, http::client& c) -> af::task<void> {
        failure ftp = co_await failure_of(c.get("ftp://127.0.0.1:1/file"));
        EXPECT_EQ(ftp.code, http::error::unsupported_scheme) << ftp.what;
        EXPECT_NE(ftp.what.find("\"ftp\""), std::string::npos) << ftp.what;
        EXPECT_NE(ftp.what.find("ftp://127.0.0.1:1/file"), std::string::npos) << ftp.what;
        failure tls = co_await failure_of(c.get("https://127.0.0.1:1/"));
        EXPECT_EQ(tls.code, http::error::unsupported_scheme) << tls.what;
        EXPECT_NE(tls.what.find("https is not supported"), std::string::npos) << tls.what;
        EXPECT_EQ(c.stats().connects, 0u);  // refused before any connect
    });
}

TEST(http_client_url_errors, a_url_without_a_host_is_an_invalid_argument_naming_it) {
    try {
        (void)http::url::parse("http:/no-host");
        ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("http:/no-host"), std::string::npos) << e.what();
    }
}

// --- the other messages name what failed and the exchange ---

TEST_P(http_client_errors, a_malformed_head_is_malformed_and_names_the_exchange) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = af::rt::spawn([](listener& l) -> af::task<void> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 200 OK\r\nbad header line\r\n\r\n");
        }(l));
        failure f = co_await failure_of(c.get(url_of(l, "/m")));
        co_await std::move(srv);
        EXPECT_EQ(f.code, http::error::malformed) << f.what;
        EXPECT_EQ(f.what, "af::http::client: malformed response head (GET " + url_of(l, "/m") + ")");
    });
}

TEST_P(http_client_errors, a_body_cut_short_is_incomplete_body_and_names_the_exchange) {
    run([](listener& l, http::client& c) -> af::task<void> {
        auto srv = af::rt::spawn([](listener& l) -> af::task<void> {
            peer p = co_await accept_one(l);
            (void)co_await p.head();
            co_await p.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
        }(l));
        auto g = c.get(url_of(l, "/short"));
        http::response r = co_await std::move(g);
        failure f = co_await failure_of(r.body().text());
        co_await std::move(srv);
        EXPECT_EQ(f.code, http::error::incomplete_body) << f.what;
        EXPECT_EQ(f.what, "af::http::client: connection closed before the end of the response body (GET " + url_of(l, "/short") + ")");
    });
}

TEST_P(http_client_errors, a_silent_server_times_out_with_the_time_and_the_exchange) {
    http::client_options o;
    o.request_timeout = 50ms;
    run(
        [](listener& l, http::client& c) -> af::task<void> {
            auto srv = af::rt::spawn([](listener& l) -> af::task<void> {
                peer p = co_await accept_one(l);
                (void)co_await p.head();
                (void)co_await p.head();  // until the client gives up and closes
            }(l));
            failure f = co_await failure_of(c.get(url_of(l, "/slow")));
            co_await std::move(srv);
            EXPECT_EQ(f.code, af::errc::timed_out) << f.what;
            EXPECT_EQ(f.what, "af::http::client: no response head within 50 ms (GET " + url_of(l, "/slow") + ")");
        },
        o);
}

TEST_P(http_client_errors, a_refused_connect_names_the_address) {
    run([](listener& l, http::client& c) -> af::task<void> {
        // A port nobody listens on: bind one, then let it go.
        std::string u;
        {
            auto gone = listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
            u = url_of(gone, "/");
        }
        (void)l;
        failure f = co_await failure_of(c.get(u));
        EXPECT_EQ(f.code, std::errc::connection_refused) << f.what;
        EXPECT_NE(f.what.find(u.substr(7, u.size() - 8)), std::string::npos) << f.what;  // host:port
    });
}

INSTANTIATE_TEST_SUITE_P(backends, http_client_errors, ::testing::Values(af::rt::io_backend::epoll, af::rt::io_backend::io_uring),
                         [](const ::testing::TestParamInfo<af::rt::io_backend>& i) {
                             return std::string(i.param == af::rt::io_backend::epoll ? "epoll" : "io_uring");
                         });

}  // namespace http_client_errors_test

// SPDX-License-Identifier: MIT
// af::http::serve_connection over an in-memory duplex: the protocol's edge cases, byte for byte.
// The runtime's clock is paused (auto-advance), so the timeouts elapse at once when every task
// waits, and never while one can still run.
#include "af/http/server_connection.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "af/future/yield_now.hpp"
#include "af/http.hpp"
#include "af/io/duplex.hpp"
#include "af/io/read.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/stream/next.hpp"
#include "af/time/instant.hpp"
#include "af/time/sleep.hpp"
#include "af/sync/notify.hpp"
#include "http/stream_helpers.hpp"

namespace http_server_connection_test {

namespace http = af::http;

af::rt::runtime make_runtime() { return http_test::paused_runtime(); }


using http_test::read_to_eof;
using http_test::read_until;
using http_test::write_str;

// Answers "<method> <target> <body>" and a fixed date, so responses are exact bytes.
struct echo_service {
    std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
    af::task<http::response> operator()(http::request req) const {
        calls->fetch_add(1);
        auto t = req.body().text();
        std::string b = co_await std::move(t);
        std::string text = std::string(req.method().name()) + " " + req.target() + " " + b;
        http::header_map trailers = req.body().trailers();  // a value: keep it while reading it
        if (auto trailer = trailers.get("x-sum")) text += " sum=" + std::string(*trailer);
        http::response r(http::status::ok, text);
        r.headers().append(http::header::date, "x");
        co_return r;
    }
};

std::string ok(std::string_view body) {
    return "HTTP/1.1 200 OK\r\ndate: x\r\ncontent-length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// Sends `input` (then shuts the client's side down) and returns all the server wrote.
std::string run_exchange(std::string_view input, http::any_service svc, http::server_options o = {}) {
    auto rt = make_runtime();
    return rt.block_on([&]() -> af::task<std::string> {
        auto [client, server] = af::io::duplex(1 << 20);
        auto h = af::rt::spawn(http::serve_connection(std::move(server), svc, o));
        co_await write_str(client, input);
        auto sd = af::io::shutdown(client);
        co_await std::move(sd);
        std::string out = co_await read_to_eof(client);
        co_await std::move(h);
        co_return out;
    });
}

std::string run_exchange(std::string_view input) { return run_exchange(input, echo_service{}); }

TEST(http_server_connection, answers_a_get_and_keeps_the_connection_alive) {
    EXPECT_EQ(run_exchange("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"), ok("GET /a ") + ok("GET /b "));
}

TEST(http_server_connection, reads_content_length_and_chunked_bodies) {
    EXPECT_EQ(run_exchange("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"), ok("POST /p hello"));
    EXPECT_EQ(run_exchange("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
              ok("POST /c abcde"));
}

TEST(http_server_connection, chunked_request_trailers_reach_the_service) {
    EXPECT_EQ(run_exchange("POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\n\r\n"),
              ok("POST /t abc sum=42"));
}

const std::string pipelined =
    "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
    "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
    "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\nX-Sum: 7\r\n\r\n"
    "HEAD /4 HTTP/1.1\r\nHost: h\r\n\r\n";

std::string pipelined_expected() {
    return ok("GET /1 ") + ok("POST /2 xyz") + ok("POST /3 abc sum=7") +
           "HTTP/1.1 200 OK\r\ndate: x\r\ncontent-length: 8\r\n\r\n";  // HEAD: the length, no body
}

TEST(http_server_connection, pipelined_requests_are_answered_in_order) { EXPECT_EQ(run_exchange(pipelined), pipelined_expected()); }

TEST(http_server_connection, pipelined_requests_split_at_every_byte_boundary) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        for (std::size_t cut = 1; cut < pipelined.size(); ++cut) {
            auto [client, server] = af::io::duplex(1 << 20);
            auto h = af::rt::spawn(http::serve_connection(std::move(server), echo_service{}));
            co_await write_str(client, std::string_view(pipelined).substr(0, cut));
            for (int i = 0; i < 8; ++i) co_await af::yield_now();  // the server parses the first part alone
            co_await write_str(client, std::string_view(pipelined).substr(cut));
            auto sd = af::io::shutdown(client);
            co_await std::move(sd);
            std::string out = co_await read_to_eof(client);
            co_await std::move(h);
            EXPECT_EQ(out, pipelined_expected()) << "split at byte " << cut;
        }
    });
}

// A duplex end that counts its writes.
struct counting_io {
    af::io::duplex_stream s;
    std::shared_ptr<int> writes;
    af::poll<std::size_t> poll_read(af::context& cx, std::span<std::byte> b) { return s.poll_read(cx, b); }
    af::poll<std::size_t> poll_write(af::context& cx, std::span<const std::byte> b) {
        ++*writes;
        return s.poll_write(cx, b);
    }
    af::poll<std::size_t> poll_write_vectored(af::context& cx, std::span<const af::io::io_slice> v) {
        ++*writes;
        return s.poll_write_vectored(cx, v);
    }
    bool is_write_vectored() const noexcept { return true; }
    af::poll<void> poll_flush(af::context& cx) { return s.poll_flush(cx); }
    af::poll<void> poll_shutdown(af::context& cx) { return s.poll_shutdown(cx); }
};

TEST(http_server_connection, ready_pipelined_responses_leave_in_one_vectored_write) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        auto [client, server] = af::io::duplex(1 << 20);
        auto writes = std::make_shared<int>(0);
        std::string input;
        for (int i = 0; i < 10; ++i) input += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
        co_await write_str(client, input);  // all ten arrive before the server reads
        auto h = af::rt::spawn(http::serve_connection(counting_io{std::move(server), writes}, echo_service{}));
        std::string out;
        co_await read_until(client, out, ok("GET /9 "));
        EXPECT_EQ(*writes, 1);
        std::string expected;
        for (int i = 0; i < 10; ++i) expected += ok("GET /" + std::to_string(i) + " ");
        EXPECT_EQ(out, expected);
        auto sd = af::io::shutdown(client);
        co_await std::move(sd);
        co_await std::move(h);
    });
}

// --- request smuggling and malformed input: 400, the service never runs, the connection closes

void expect_refused(std::string_view input, std::string_view status_line = "HTTP/1.1 400 Bad Request\r\n") {
    echo_service svc;
    std::string out = run_exchange(input, svc);
    EXPECT_TRUE(std::string_view(out).starts_with(status_line)) << "input: " << input << "\noutput: " << out;
    EXPECT_NE(out.find("connection: close\r\n"), std::string::npos) << out;
    EXPECT_EQ(svc.calls->load(), 0) << "the service ran for: " << input;
}

TEST(http_server_connection, refuses_transfer_encoding_with_content_length) {
    expect_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    expect_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n");
}

TEST(http_server_connection, refuses_repeated_content_length) {
    expect_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde");
    expect_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd");
    expect_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 5\r\n\r\nabcde");
    expect_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +4\r\n\r\nabcd");
}

TEST(http_server_connection, refuses_obs_fold) {
    expect_refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n c\r\n\r\n");
    expect_refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n\tc\r\n\r\n");
}

TEST(http_server_connection, refuses_bare_cr) {
    expect_refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\rc\r\n\r\n");
    expect_refused("GET / HTTP/1.1\rHost: h\r\n\r\n");
    expect_refused("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\r\n\r\n");
}

TEST(http_server_connection, refuses_a_transfer_encoding_that_does_not_end_in_chunked) {
    expect_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
    expect_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\nabc");
}

TEST(http_server_connection, refuses_malformed_heads_and_chunks) {
    expect_refused("GET / HTTP/1.1\r\nHost : h\r\n\r\n");            // space before the colon
    expect_refused("GET / HTTP/1.1\r\nHo(st: h\r\n\r\n");            // not a token
    expect_refused("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n");          // space in the target
    expect_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n");
    expect_refused("G@T / HTTP/1.1\r\nHost: h\r\n\r\n");
    expect_refused("GET / HTTP/2.0\r\nHost: h\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported\r\n");
    expect_refused("GET / HTTP/1.1\r\nHost: h\r\nExpect: 101-nothing\r\n\r\n", "HTTP/1.1 417 Expectation Failed\r\n");
}

TEST(http_server_connection, a_malformed_chunk_ends_the_body_with_an_error) {
    echo_service svc;
    std::string out = run_exchange("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", svc);
    EXPECT_TRUE(out.starts_with("HTTP/1.1 400 Bad Request\r\n")) << out;
    EXPECT_EQ(svc.calls->load(), 1);  // it ran, and its body read threw
}

TEST(http_server_connection, an_error_answer_to_head_has_no_body) {
    // Found by fuzz/http/http_request_fuzz.cpp: the 400 to a HEAD whose chunked body is bad
    // carried its text, which a client would read as the next response (RFC 9110 9.3.2).
    echo_service svc;
    std::string out = run_exchange("HEAD / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", svc);
    ASSERT_TRUE(out.starts_with("HTTP/1.1 400 Bad Request\r\n")) << out;
    EXPECT_TRUE(out.ends_with("\r\n\r\n")) << out;  // the head, and nothing after it
    // A malformed request that never got to a complete head still gets the text.
    std::string bad = run_exchange("HEAD / HTTP/1.1\r\nHost h\r\n\r\n");
    EXPECT_TRUE(bad.ends_with("\r\n\r\nBad Request\n")) << bad;
}

// --- limits

TEST(http_server_connection, a_head_over_the_limit_is_431) {
    http::server_options o;
    o.max_head_bytes = 256;
    std::string big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(300, 'a') + "\r\n\r\n";
    echo_service svc;
    std::string out = run_exchange(big, svc, o);
    EXPECT_TRUE(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n")) << out;
    EXPECT_EQ(svc.calls->load(), 0);
    // Just under the limit is served.
    std::string fits = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(200, 'a') + "\r\n\r\n";
    EXPECT_EQ(run_exchange(fits, echo_service{}, o), ok("GET / "));
}

TEST(http_server_connection, too_many_header_fields_is_431) {
    http::server_options o;
    o.max_headers = 5;
    std::string req = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 6; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
    req += "\r\n";
    std::string out = run_exchange(req, echo_service{}, o);
    EXPECT_TRUE(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n")) << out;
}

TEST(http_server_connection, a_content_length_over_the_limit_is_413_before_the_service_runs) {
    http::server_options o;
    o.max_body_bytes = 10;
    echo_service svc;
    std::string out = run_exchange("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n01234567890", svc, o);
    EXPECT_TRUE(out.starts_with("HTTP/1.1 413 Content Too Large\r\n")) << out;
    EXPECT_EQ(svc.calls->load(), 0);
}

TEST(http_server_connection, a_chunked_body_over_the_limit_is_413) {
    http::server_options o;
    o.max_body_bytes = 10;
    std::string out = run_exchange("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n",
                               echo_service{}, o);
    EXPECT_TRUE(out.starts_with("HTTP/1.1 413 Content Too Large\r\n")) << out;
}

TEST(http_server_connection, a_slow_head_gets_408_and_an_idle_connection_closes_silently) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        http::server_options o;
        o.header_read_timeout = std::chrono::seconds(5);
        o.keep_alive_timeout = std::chrono::seconds(60);
        {
            auto [client, server] = af::io::duplex(1 << 16);
            auto h = af::rt::spawn(http::serve_connection(std::move(server), echo_service{}, o));
            co_await write_str(client, "GET / HTTP/1.1\r\nHost: h\r\n");  // and then nothing (slowloris)
            auto start = af::time::instant::now();
            std::string out = co_await read_to_eof(client);
            EXPECT_TRUE(out.starts_with("HTTP/1.1 408 Request Timeout\r\n")) << out;
            EXPECT_GE(af::time::instant::now() - start, std::chrono::seconds(5));
            co_await std::move(h);
        }
        {
            auto [client, server] = af::io::duplex(1 << 16);
            auto h = af::rt::spawn(http::serve_connection(std::move(server), echo_service{}, o));
            co_await write_str(client, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            std::string out;
            co_await read_until(client, out, ok("GET / "));
            auto start = af::time::instant::now();
            std::string rest = co_await read_to_eof(client);  // idle: closed without a response
            EXPECT_EQ(rest, "");
            EXPECT_GE(af::time::instant::now() - start, std::chrono::seconds(60));
            co_await std::move(h);
        }
    });
}

// --- 100-continue

TEST(http_server_connection, expect_100_continue_is_answered_when_the_service_reads_the_body) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        auto [client, server] = af::io::duplex(1 << 16);
        auto h = af::rt::spawn(http::serve_connection(std::move(server), echo_service{}));
        co_await write_str(client, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        std::string got;
        co_await read_until(client, got, "\r\n\r\n");
        EXPECT_EQ(got, "HTTP/1.1 100 Continue\r\n\r\n");
        co_await write_str(client, "data");
        std::string resp;
        co_await read_until(client, resp, ok("POST /up data"));
        EXPECT_EQ(resp, ok("POST /up data"));
        auto sd = af::io::shutdown(client);
        co_await std::move(sd);
        co_await std::move(h);
    });
}

TEST(http_server_connection, no_100_continue_when_the_service_ignores_the_body) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        auto [client, server] = af::io::duplex(1 << 16);
        auto svc = [](http::request) -> af::task<http::response> {
            http::response r(http::status::forbidden, "no");
            r.headers().append(http::header::date, "x");
            co_return r;
        };
        auto h = af::rt::spawn(http::serve_connection(std::move(server), svc));
        co_await write_str(client, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        std::string out = co_await read_to_eof(client);  // the server closes: it cannot know whether the body comes
        EXPECT_EQ(out, "HTTP/1.1 403 Forbidden\r\ndate: x\r\nconnection: close\r\ncontent-length: 2\r\n\r\nno");
        co_await std::move(h);
    });
}

// --- response framing

http::any_service fixed(http::status s, std::string body_text) {
    return [s, body_text](http::request) -> af::task<http::response> {
        http::response r(s, body_text);
        r.headers().append(http::header::date, "x");
        co_return r;
    };
}

TEST(http_server_connection, head_204_and_304_responses_have_no_body) {
    EXPECT_EQ(run_exchange("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", fixed(http::status::ok, "hello")),
              "HTTP/1.1 200 OK\r\ndate: x\r\ncontent-length: 5\r\n\r\n");
    EXPECT_EQ(run_exchange("GET / HTTP/1.1\r\nHost: h\r\n\r\n", fixed(http::status::no_content, "")),
              "HTTP/1.1 204 No Content\r\ndate: x\r\n\r\n");
    EXPECT_EQ(run_exchange("GET / HTTP/1.1\r\nHost: h\r\n\r\n", fixed(http::status::not_modified, "ignored")),
              "HTTP/1.1 304 Not Modified\r\ndate: x\r\n\r\n");
}

TEST(http_server_connection, connection_close_and_http_1_0) {
    // Connection: close from the client: one response, then the end.
    EXPECT_EQ(run_exchange("GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
              "HTTP/1.1 200 OK\r\ndate: x\r\nconnection: close\r\ncontent-length: 7\r\n\r\nGET /a ");
    // HTTP/1.0 closes by default...
    EXPECT_EQ(run_exchange("GET /a HTTP/1.0\r\n\r\n"), "HTTP/1.1 200 OK\r\ndate: x\r\nconnection: close\r\ncontent-length: 7\r\n\r\nGET /a ");
    // ...and keeps alive when asked.
    EXPECT_EQ(run_exchange("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n"),
              "HTTP/1.1 200 OK\r\ndate: x\r\nconnection: keep-alive\r\ncontent-length: 7\r\n\r\nGET /a "
              "HTTP/1.1 200 OK\r\ndate: x\r\nconnection: close\r\ncontent-length: 7\r\n\r\nGET /b ");
}

// A stream of `n` chunks of `size` bytes that counts how many were produced.
struct counted_chunks {
    using item = af::bytes;
    int n;
    std::size_t size;
    std::shared_ptr<int> produced;
    af::poll<std::optional<af::bytes>> poll_next(af::context&) {
        if (*produced == n) return af::detail::stream_end<af::bytes>();
        ++*produced;
        return af::poll<std::optional<af::bytes>>(std::in_place, af::bytes::copy_from(std::string(size, 'z')));
    }
};

TEST(http_server_connection, streamed_bodies_are_chunked_with_trailers) {
    auto svc = [](http::request) -> af::task<http::response> {
        http::header_map t;
        t.append("x-checksum", "abc");
        auto produced = std::make_shared<int>(0);
        http::response r(http::status::ok, http::body::from_stream(counted_chunks{2, 3, produced}).with_trailers(std::move(t)));
        r.headers().append(http::header::date, "x");
        co_return r;
    };
    EXPECT_EQ(run_exchange("GET / HTTP/1.1\r\nHost: h\r\n\r\n", svc),
              "HTTP/1.1 200 OK\r\ndate: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nzzz\r\n3\r\nzzz\r\n0\r\nx-checksum: abc\r\n\r\n");
    // HTTP/1.0 cannot take chunks: the body ends with the connection.
    EXPECT_EQ(run_exchange("GET / HTTP/1.0\r\n\r\n", svc), "HTTP/1.1 200 OK\r\ndate: x\r\nconnection: close\r\n\r\nzzzzzz");
}

TEST(http_server_connection, a_slow_reader_holds_back_a_streamed_response) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        auto produced = std::make_shared<int>(0);
        constexpr std::size_t chunk = 1024;
        auto svc = [produced](http::request) -> af::task<http::response> {
            co_return http::response(http::status::ok, http::body::from_stream(counted_chunks{200, chunk, produced}, 200 * chunk));
        };
        auto [client, server] = af::io::duplex(4096);  // the "socket" holds 4 KiB
        auto h = af::rt::spawn(http::serve_connection(std::move(server), svc));
        co_await write_str(client, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        std::size_t received = 0;
        char buf[512];
        for (;;) {
            for (int i = 0; i < 4; ++i) co_await af::yield_now();  // let the server run ahead if it would
            auto r = af::io::read(client, std::as_writable_bytes(std::span(buf)));
            std::size_t n = co_await std::move(r);
            if (n == 0) break;
            received += n;
            // What was produced is at most what was read, what the pipe holds, and one chunk in hand.
            EXPECT_LE(static_cast<std::size_t>(*produced) * chunk, received + 4096 + 2 * chunk);
        }
        EXPECT_EQ(*produced, 200);
        EXPECT_GT(received, 200 * chunk);
        co_await std::move(h);
    });
}

TEST(http_server_connection, a_service_that_throws_gets_500) {
    auto svc = [](http::request) -> af::task<http::response> {
        throw std::runtime_error("boom");
        co_return http::response();
    };
    std::string out = run_exchange("GET / HTTP/1.1\r\nHost: h\r\n\r\n", svc);
    EXPECT_TRUE(out.starts_with("HTTP/1.1 500 Internal Server Error\r\n")) << out;
}

TEST(http_server_connection, echoes_a_request_body_as_the_response_body_while_it_arrives) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        auto svc = [](http::request req) -> af::task<http::response> {
            co_return http::response(http::status::ok, req.take_body());  // streamed straight back
        };
        auto [client, server] = af::io::duplex(1 << 16);
        auto h = af::rt::spawn(http::serve_connection(std::move(server), svc));
        co_await write_str(client, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
        std::string out;
        co_await read_until(client, out, "5\r\nfirst\r\n");  // echoed before the request ended
        EXPECT_TRUE(out.starts_with("HTTP/1.1 200 OK\r\n")) << out;
        co_await write_str(client, "6\r\nsecond\r\n0\r\n\r\n");
        co_await read_until(client, out, "0\r\n\r\n");
        EXPECT_TRUE(out.ends_with("5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n")) << out;
        auto sd = af::io::shutdown(client);
        co_await std::move(sd);
        co_await std::move(h);
    });
}

TEST(http_server_connection, header_names_are_case_insensitive_and_well_known_ones_are_shared) {
    http::header_map h;
    h.append("Content-Type", "text/plain");
    h.append("X-Custom", "1");
    h.append("x-custom", "2");
    EXPECT_EQ(h.get(http::header::content_type), "text/plain");
    EXPECT_EQ(h.get("CONTENT-TYPE"), "text/plain");
    EXPECT_TRUE(http::header_name("Content-Type").is_well_known());
    EXPECT_FALSE(http::header_name("X-Custom").is_well_known());
    EXPECT_EQ(http::header_name("X-Custom").str(), "x-custom");
    EXPECT_EQ(h.get_all("x-CUSTOM").size(), 2u);
    EXPECT_THROW(h.append("x", "a\r\nb"), std::invalid_argument);
    EXPECT_THROW(http::header_name("bad name"), std::invalid_argument);
    EXPECT_EQ(h.remove("x-custom"), 2u);
    h.append(http::header::connection, "keep-alive, Close");
    EXPECT_TRUE(h.has_token(http::header::connection, "close"));
}

// The connection keeps one timer for its waits and moves it only to an earlier deadline; a
// timer left at an older deadline fires early and must only move on, never cut a wait short.
TEST(http_server_wait_timer, a_stale_timer_firing_does_not_cut_the_next_wait_short) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        http::server_options o;
        o.header_read_timeout = std::chrono::seconds(5);
        o.keep_alive_timeout = std::chrono::seconds(60);
        auto [client, server] = af::io::duplex(1 << 16);
        auto h = af::rt::spawn(http::serve_connection(std::move(server), echo_service{}, o));
        co_await af::time::sleep(std::chrono::seconds(1));  // the server waits, a timer at 5 s
        co_await write_str(client, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        std::string out;
        co_await read_until(client, out, ok("GET /a "));
        co_await af::time::sleep(std::chrono::seconds(30));  // past 5 s: the old timer fired
        co_await write_str(client, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        std::string out2;
        co_await read_until(client, out2, ok("GET /b "));
        co_await af::time::sleep(std::chrono::seconds(40));  // past the first idle deadline
        co_await write_str(client, "GET /c HTTP/1.1\r\nHost: h\r\n");  // a head that stalls
        auto start = af::time::instant::now();
        std::string rest = co_await read_to_eof(client);
        EXPECT_TRUE(rest.starts_with("HTTP/1.1 408")) << rest;
        EXPECT_GE(af::time::instant::now() - start, std::chrono::seconds(5));
        EXPECT_LT(af::time::instant::now() - start, std::chrono::seconds(7));
        co_await std::move(h);
    });
}

TEST(http_server_wait_timer, an_idle_connection_closes_at_its_keep_alive_deadline) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        http::server_options o;
        o.header_read_timeout = std::chrono::seconds(5);
        o.keep_alive_timeout = std::chrono::seconds(60);
        auto [client, server] = af::io::duplex(1 << 16);
        auto h = af::rt::spawn(http::serve_connection(std::move(server), echo_service{}, o));
        co_await af::time::sleep(std::chrono::seconds(1));
        co_await write_str(client, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        std::string out;
        co_await read_until(client, out, ok("GET /a "));
        auto start = af::time::instant::now();
        std::string rest = co_await read_to_eof(client);
        EXPECT_EQ(rest, "");
        EXPECT_GE(af::time::instant::now() - start, std::chrono::seconds(60));
        EXPECT_LT(af::time::instant::now() - start, std::chrono::seconds(62));
        co_await std::move(h);
    });
}

// serve_connection hands the addresses it is given to every request, none when it has none.
TEST(http_server_connection_addrs, requests_carry_the_addresses_given_to_serve_connection) {
    auto show = [](const std::optional<af::net::socket_addr>& a) { return a ? a->to_string() : std::string("none"); };
    http::any_service svc = [show](http::request req) -> af::task<http::response> {
        http::response r(http::status::ok, show(req.remote_addr()) + " " + show(req.local_addr()));
        r.headers().append(http::header::date, "x");
        co_return r;
    };
    const std::string two = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    EXPECT_EQ(run_exchange(two, svc), ok("none none") + ok("none none"));
    auto rt = make_runtime();
    std::string out = rt.block_on([&]() -> af::task<std::string> {
        auto [client, server] = af::io::duplex(1 << 20);
        http::connection_addrs at{.remote = af::net::socket_addr::parse("[2001:db8::7]:4321"),
                                  .local = af::net::socket_addr::parse("10.0.0.1:80")};
        auto h = af::rt::spawn(http::serve_connection(std::move(server), svc, {}, at));
        co_await write_str(client, two);
        auto sd = af::io::shutdown(client);
        co_await std::move(sd);
        std::string o = co_await read_to_eof(client);
        co_await std::move(h);
        co_return o;
    });
    EXPECT_EQ(out, ok("[2001:db8::7]:4321 10.0.0.1:80") + ok("[2001:db8::7]:4321 10.0.0.1:80"));
}

// A head is read into a small buffer first (1 KiB), which grows: a 12 KiB head (under the
// 16 KiB limit) and the requests after it are served whole, and the status line of each
// answer is its own (a cached line is per status).
TEST(http_server_connection_reads, a_head_larger_than_the_first_read_and_changing_statuses) {
    http::any_service svc = [](http::request req) -> af::task<http::response> {
        auto v = req.headers().get("x-big");
        http::status st = req.path() == "/teapot" ? static_cast<http::status>(418) : req.path() == "/none" ? http::status::not_found : http::status::ok;
        http::response r(st, std::to_string(v ? v->size() : 0));
        r.headers().append(http::header::date, "x");
        co_return r;
    };
    const std::string big(12 * 1024, 'b');
    const std::string in = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + big + "\r\n\r\n" + "GET /teapot HTTP/1.1\r\nHost: h\r\n\r\n" +
                           "GET /none HTTP/1.1\r\nHost: h\r\n\r\n" + "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    auto answer = [](std::string_view line, std::string_view body) {
        return "HTTP/1.1 " + std::string(line) + "\r\ndate: x\r\ncontent-length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
    };
    const std::string want = answer("200 OK", "12288") + answer("418 Unknown", "0") + answer("404 Not Found", "0") + answer("200 OK", "0");
    EXPECT_EQ(run_exchange(in, svc), want);
    // The same bytes one at a time: every read is short, the head still arrives whole.
    auto rt = make_runtime();
    std::string out = rt.block_on([&]() -> af::task<std::string> {
        auto [client, server] = af::io::duplex(1 << 20);
        auto h = af::rt::spawn(http::serve_connection(std::move(server), svc));
        for (std::size_t i = 0; i < in.size(); i += 700) co_await write_str(client, std::string_view(in).substr(i, 700));
        auto sd = af::io::shutdown(client);
        co_await std::move(sd);
        std::string o = co_await read_to_eof(client);
        co_await std::move(h);
        co_return o;
    });
    EXPECT_EQ(out, want);
}

}  // namespace http_server_connection_test

// SPDX-License-Identifier: MIT
// Fuzzes the client side of af::http: af::http::client sends one request to an in-process
// server on a loopback TCP socket, and that server answers with the fuzz input, written in
// pieces the input chooses, then closes. (The client only connects over TCP and its connection
// type, src/http/client_conn.hpp, holds a tcp_stream, so there is no in-memory duplex to put
// under it; loopback costs a connect per run and stays in this process.) The server reads the
// whole request before answering and the client's end before closing, so the kernel never
// resets the connection and every run sees the same bytes.
//
// Checked on every run: `send` and the body stream either succeed or throw af::error /
// std::system_error (nothing else escapes); a final status is 200..999 or 101; a body read to
// its end has the length the head announced (none for HEAD, 204, 304), and every chunk of it is
// bytes of the input (chunks are slices of what was read).
//
// Input: [options] [split seed] [server bytes...]
//   options bit 0: HEAD instead of GET
//   options bit 1: small limits (head 128 bytes, 4 fields, 7-byte reads)
//   options bit 2: a POST with "Expect: 100-continue" and a 5-byte body
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "af/core/error.hpp"
#include "af/future/yield_now.hpp"
#include "af/http.hpp"
#include "af/io/read.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/stream/next.hpp"
#include "support.hpp"

namespace {

namespace http = af::http;
using af::fuzz::check;

std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// The in-process server: reads the request head (and a 5-byte body after a POST's 100-continue
// wait, if the client sends it), writes the input in pieces, shuts its side down, then reads
// until the client closes (closing with unread bytes would make the kernel send a reset).
af::task<void> answer(af::net::tcp_listener& listener, std::string_view input, unsigned seed) {
    auto [conn, peer] = co_await listener.accept();
    (void)peer;
    std::string req;
    char buf[1024];
    while (req.find("\r\n\r\n") == std::string::npos) {
        auto r = af::io::read(conn, std::as_writable_bytes(std::span(buf)));
        std::size_t n = co_await std::move(r);
        if (n == 0) co_return;
        req.append(buf, n);
    }
    std::vector<std::string_view> pieces;
    af::fuzz::for_each_piece(input, seed, [&](std::string_view piece) { pieces.push_back(piece); });
    try {
        for (std::string_view piece : pieces) {
            auto w = af::io::write_all(conn, as_bytes(piece));
            co_await std::move(w);
            co_await af::yield_now();
        }
    } catch (const std::system_error&) {
        // The client gave up on the response (a malformed head) and closed: fine.
    }
    auto sd = af::io::shutdown(conn);
    try {
        co_await std::move(sd);
    } catch (const std::system_error&) {
    }
    for (;;) {
        auto r = af::io::read(conn, std::as_writable_bytes(std::span(buf)));
        std::size_t n = 0;
        try {
            n = co_await std::move(r);
        } catch (const std::system_error&) {
            break;
        }
        if (n == 0) break;
    }
}

af::task<void> exchange(std::string_view input, unsigned opts, unsigned seed) {
    auto listener = af::net::tcp_listener::bind(af::net::socket_addr::v4_loopback(0));
    auto server = af::rt::spawn(answer(listener, input, seed));

    http::client_options o;
    o.max_idle_per_host = 0;  // no connection outlives the run
    o.expect_continue_timeout = std::chrono::milliseconds(50);
    if (opts & 2) {
        o.max_head_bytes = 128;
        o.max_headers = 4;
        o.read_buffer_size = 7;
    }
    http::client c(o);
    const std::string url = "http://127.0.0.1:" + std::to_string(listener.local_addr().port()) + "/f";
    const bool head = (opts & 1) != 0;
    http::request req(head ? http::method::head : http::method::get, url);
    if (!head && (opts & 4)) {
        req = http::request(http::method::post, url, "hello");
        req.headers().append(http::header::expect, "100-continue");
    }
    try {
        auto s = c.send(std::move(req));
        http::response r = co_await std::move(s);
        const auto code = static_cast<unsigned>(r.status());
        check((code >= 200 && code <= 999) || code == 101, "send returned an interim or invalid status");
        const std::optional<std::uint64_t> announced = r.body().length();
        std::uint64_t total = 0;
        for (;;) {
            auto nx = af::next(r.body());
            std::optional<af::bytes> chunk = co_await std::move(nx);
            if (!chunk) break;
            check(!chunk->empty(), "an empty body chunk");
            std::string_view text(reinterpret_cast<const char*>(chunk->data()), chunk->size());
            check(input.find(text) != std::string_view::npos, "a body chunk holds bytes the server never sent");
            total += chunk->size();
        }
        if (announced) check(total == *announced, "body length differs from the announced length");
        if (head || code == 204 || code == 304) check(total == 0, "a body for HEAD, 204 or 304");
    } catch (const std::system_error&) {
        // af::error (malformed, too large, cut short) or an I/O error: a refused response.
    }
    co_await std::move(server);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
    if (n < 2) return 0;
    const std::string_view input(reinterpret_cast<const char*>(p + 2), n - 2);
    auto rt = af::rt::builder().current_thread().enable_all().disable_blocking_watchdog().build();
    rt.block_on(exchange(input, p[0], p[1]));
    return 0;
}

// SPDX-License-Identifier: MIT
// Fuzzes the server side of af::http: af::http::serve_connection over an in-memory duplex on a
// current_thread runtime whose clock is paused (the header-read and keep-alive timeouts elapse
// at once when every task waits, so no input can hang a run). The input is what the client
// sends, written in pieces chosen by the input (with yields in between, so the server parses
// partial heads, bodies and chunk sizes); the client then shuts its side down and reads all the
// server wrote until the end of the stream.
//
// Checked on every run, beyond "no crash, no leak, no sanitizer report":
// - the connection task ends, without an exception (the client never breaks the stream);
// - the output is a sequence of well-formed HTTP/1.1 responses: status line, fields, blank
//   line, then a body framed by content-length or chunked encoding (none for HEAD, 1xx, 204
//   and 304), with at most one close-delimited body at the very end;
// - the final responses are at most one more than the requests the service saw (a request the
//   server refused answers without calling it), and at least one fewer;
// - nothing follows a response that said "connection: close".
//
// Input: [options] [split seed] [client bytes...]
//   options bits 0-1: limits (0 defaults; 1, 2, 3 ever smaller heads, bodies, buffers, batches)
//   options bits 2-3: duplex capacity (64 KiB, 64, 7, 1 bytes: short writes, backpressure)
//   options bits 4-5: service (collect the body with a limit; read it unbounded; ignore it;
//                     read it and answer with a chunked body and trailers)
//   options bit 6:    yield more between pieces (the server sees every piece alone)
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "af/future/yield_now.hpp"
#include "af/http.hpp"
#include "af/io/duplex.hpp"
#include "af/io/read.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "support.hpp"

namespace {

namespace http = af::http;
using af::fuzz::check;

// The methods of the requests the service was called for, in order.
using call_log = std::vector<std::string>;

// A response body of two chunks and a trailer (unknown length: chunked on the wire).
class two_chunks final : public http::body_source {
public:
    af::poll<std::optional<af::bytes>> poll_next(af::context&) override {
        if (left_ == 0) return af::poll<std::optional<af::bytes>>(std::in_place, std::nullopt);
        --left_;
        return af::poll<std::optional<af::bytes>>(std::in_place, af::bytes::from_static("chunk"));
    }
    http::header_map trailers() override {
        http::header_map t;
        t.append("x-trailer", "t");
        return t;
    }
    bool has_trailers() const noexcept override { return true; }

private:
    int left_ = 2;
};

struct fuzz_service {
    std::shared_ptr<call_log> log;
    unsigned mode;
    af::task<http::response> operator()(http::request req) const {
        log->emplace_back(req.method().name());
        std::size_t n = 0;
        if (mode == 0) {
            auto c = req.body().collect(64);
            af::bytes b = co_await std::move(c);
            n = b.size();
        } else if (mode == 1 || mode == 3) {
            auto t = req.body().text();
            std::string s = co_await std::move(t);
            n = s.size();
        }
        if (mode == 3) co_return http::response(http::status::ok, http::body::from_source(std::make_unique<two_chunks>()));
        // The body never holds "HTTP/1.1": the output checker must not mistake it for a response.
        co_return http::response(http::status::ok, "n=" + std::to_string(n));
    }
};

http::server_options limits(unsigned level) {
    http::server_options o;
    if (level >= 1) {
        o.max_head_bytes = 512;
        o.max_headers = 8;
        o.max_body_bytes = 256;
        o.read_buffer_size = 64;
        o.max_pipeline_batch = 4;
    }
    if (level >= 2) {
        o.max_head_bytes = 64;
        o.max_headers = 2;
        o.max_body_bytes = 8;
        o.read_buffer_size = 7;
        o.max_pipeline_batch = 2;
    }
    if (level >= 3) {
        o.read_buffer_size = 1;
        o.max_pipeline_batch = 1;
        o.header_read_timeout = std::chrono::milliseconds(1);
        o.keep_alive_timeout = std::chrono::milliseconds(1);
    }
    return o;
}

std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

af::task<std::string> read_to_eof(af::io::duplex_stream& s) {
    std::string out;
    char buf[512];
    for (;;) {
        auto r = af::io::read(s, std::as_writable_bytes(std::span(buf)));
        std::size_t n = co_await std::move(r);
        if (n == 0) break;
        out.append(buf, n);
    }
    co_return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

bool parse_number(std::string_view s, int base, std::uint64_t& v) {
    if (s.empty() || s.size() > 15) return false;
    v = 0;
    for (char c : s) {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
        if (d >= base) return false;
        v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    }
    return true;
}

// Takes one line ending in CRLF off the front of `s`.
std::optional<std::string_view> take_line(std::string_view& s) {
    auto e = s.find("\r\n");
    if (e == std::string_view::npos) return std::nullopt;
    std::string_view line = s.substr(0, e);
    s.remove_prefix(e + 2);
    return line;
}

// Checks the server's output against the requests the service saw.
void check_output(std::string_view out, const call_log& calls) {
    std::size_t finals = 0;
    bool closed = false;
    while (!out.empty()) {
        check(!closed, "bytes after a response that said connection: close");
        check(out.starts_with("HTTP/1.1 "), "a response does not start with \"HTTP/1.1 \"");
        auto status_line = take_line(out);
        check(status_line && status_line->size() >= 12 && (*status_line)[12] == ' ', "malformed status line");
        std::uint64_t code = 0;
        check(parse_number(status_line->substr(9, 3), 10, code) && code >= 100, "malformed status code");
        std::optional<std::uint64_t> length;
        bool chunked = false;
        for (;;) {
            auto field = take_line(out);
            check(field.has_value(), "response head cut short");
            if (field->empty()) break;
            auto colon = field->find(": ");
            check(colon != std::string_view::npos && colon > 0, "malformed response field");
            std::string_view name = field->substr(0, colon), value = field->substr(colon + 2);
            if (iequals(name, "content-length")) {
                check(!length && !chunked, "two framings in one response");
                std::uint64_t v = 0;
                check(parse_number(value, 10, v), "malformed content-length");
                length = v;
            } else if (iequals(name, "transfer-encoding")) {
                check(value == "chunked" && !length && !chunked, "unexpected transfer-encoding");
                chunked = true;
            } else if (iequals(name, "connection") && value == "close") {
                closed = true;
            }
        }
        if (code < 200) continue;  // 100 Continue: the final response follows
        const std::size_t index = finals++;
        const bool head = index < calls.size() && calls[index] == "HEAD";
        const bool no_body = head || code == 204 || code == 304;
        if (no_body) continue;
        if (chunked) {
            for (;;) {
                auto size_line = take_line(out);
                check(size_line.has_value(), "chunk size line cut short");
                std::uint64_t sz = 0;
                check(parse_number(*size_line, 16, sz), "malformed chunk size");
                if (sz == 0) break;
                check(out.size() >= sz + 2 && out.substr(sz, 2) == "\r\n", "chunk cut short");
                out.remove_prefix(sz + 2);
            }
            for (;;) {  // trailers, then the blank line
                auto t = take_line(out);
                check(t.has_value(), "trailers cut short");
                if (t->empty()) break;
            }
        } else if (length) {
            if (index >= calls.size() && out.empty()) continue;  // an error answer to a HEAD: no body
            check(out.size() >= *length, "body shorter than its content-length");
            out.remove_prefix(*length);
        } else {
            out = {};  // close-delimited: runs to the end
            closed = true;
        }
    }
    check(finals <= calls.size() + 1, "more responses than requests");
    check(finals + 1 >= calls.size(), "requests the service answered got no response");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
    if (n < 2) return 0;
    const unsigned opts = p[0];
    const unsigned seed = p[1];
    const std::string_view input(reinterpret_cast<const char*>(p + 2), n - 2);
    static constexpr std::size_t capacities[] = {64 * 1024, 64, 7, 1};
    const std::size_t capacity = capacities[(opts >> 2) & 3];
    const int yields = (opts & 64) != 0 ? 8 : 1;

    auto log = std::make_shared<call_log>();
    fuzz_service svc{log, (opts >> 4) & 3};
    auto rt = af::rt::builder().current_thread().enable_all().start_paused().disable_blocking_watchdog().build();
    std::string out;
    bool server_threw = false;
    rt.block_on([&]() -> af::task<void> {
        auto [client, server] = af::io::duplex(capacity);
        auto conn = http::serve_connection(std::move(server), svc, limits(opts & 3));
        auto server_task = af::rt::spawn(std::move(conn));
        auto reader = af::rt::spawn(read_to_eof(client));
        try {
            std::vector<std::string_view> pieces;
            af::fuzz::for_each_piece(input, seed, [&](std::string_view piece) { pieces.push_back(piece); });
            for (std::string_view piece : pieces) {
                auto w = af::io::write_all(client, as_bytes(piece));
                co_await std::move(w);
                for (int i = 0; i < yields; ++i) co_await af::yield_now();
            }
        } catch (const std::system_error&) {
            // The server closed the connection (an error answer): the rest is not sent.
        }
        auto sd = af::io::shutdown(client);
        co_await std::move(sd);
        out = co_await std::move(reader);
        try {
            co_await std::move(server_task);
        } catch (...) {
            server_threw = true;
        }
    });
    af::fuzz::check_context() = out;
    check(!server_threw, "the connection task ended with an exception");
    check_output(out, *log);
    af::fuzz::check_context() = {};
    return 0;
}

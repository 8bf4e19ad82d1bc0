// SPDX-License-Identifier: MIT
#pragma once
// RESP (the Redis protocol) for the mini-redis port: requests are arrays of bulk strings (what
// redis-cli and redis-benchmark send) or inline commands (`PING\r\n`, what telnet sends);
// replies are encoded up front. A frame longer than `max_frame` bytes, or bytes that can never
// become a frame, throw af::io::frame_error as soon as that is known: a bad peer costs neither
// memory nor a hang.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "af/bytes/bytes_mut.hpp"
#include "af/io/error.hpp"

namespace mini_redis {

/// Bytes that can never become a request (redis answers "-ERR Protocol error" and hangs up).
struct protocol_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A request (its words, in `args`) or an encoded reply (its bytes, in `wire`).
struct message {
    std::vector<std::string> args;
    std::string wire;

    static message simple(std::string_view s) { return raw("+" + std::string(s) + "\r\n"); }
    static message error(std::string_view s) { return raw("-" + std::string(s) + "\r\n"); }
    static message integer(long long n) { return raw(":" + std::to_string(n) + "\r\n"); }
    static message nil() { return raw("$-1\r\n"); }
    static message bulk(std::string_view s) { return raw(bulk_of(s)); }
    static message array(const std::vector<std::string>& items) {
        std::string w = "*" + std::to_string(items.size()) + "\r\n";
        for (const auto& i : items) w += bulk_of(i);
        return raw(std::move(w));
    }
    /// A pub/sub push: `*3 kind channel payload` (payload an integer for (un)subscribe counts).
    static message push(std::string_view kind, std::string_view channel, std::string_view bulk_payload) {
        return raw("*3\r\n" + bulk_of(kind) + bulk_of(channel) + bulk_of(bulk_payload));
    }
    static message push_count(std::string_view kind, std::string_view channel, std::size_t n) {
        return raw("*3\r\n" + bulk_of(kind) + bulk_of(channel) + ":" + std::to_string(n) + "\r\n");
    }

    /// UNSUBSCRIBE with no subscription: `unsubscribe`, nil, 0 (what redis answers).
    static message unsubscribe_none() { return raw("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"); }

private:
    static message raw(std::string w) {
        message m;
        m.wire = std::move(w);
        return m;
    }
    static std::string bulk_of(std::string_view s) {
        return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
    }
};

class resp_codec {
public:
    using frame = message;
    explicit resp_codec(std::size_t max_frame) noexcept : max_(max_frame) {}

    std::optional<message> decode(af::bytes_mut& in) {
        std::string_view b(reinterpret_cast<const char*>(in.as_span().data()), in.size());
        std::size_t pos = 0;
        std::optional<message> m = b.empty() ? std::nullopt : (b[0] == '*' ? parse_array(b, pos) : parse_inline(b, pos));
        if (!m) {
            if (b.size() > max_) too_long();
            return std::nullopt;
        }
        in.advance(pos);
        return m;
    }
    std::optional<message> decode_eof(af::bytes_mut& in) {
        if (auto m = decode(in)) return m;
        if (!in.empty()) throw af::io::frame_error(af::io::error::truncated_frame, "resp: a request ends mid-way");
        return std::nullopt;
    }
    void encode(const message& m, af::bytes_mut& out) {
        out.put(std::string_view(m.wire));
    }

private:
    [[noreturn]] void too_long() const {
        throw af::io::frame_error(af::io::error::frame_too_long, "resp: request over the maximum frame size");
    }
    [[noreturn]] static void bad(const char* what) { throw protocol_error(what); }

    // One `<tag><number>\r\n` line at `pos`; nullopt if it is not complete yet.
    std::optional<long long> number_line(std::string_view b, std::size_t& pos, char tag) const {
        if (pos >= b.size()) return std::nullopt;
        if (b[pos] != tag) bad("resp: unexpected type byte");
        std::size_t end = b.find("\r\n", pos);
        if (end == std::string_view::npos) {
            if (b.size() - pos > 32) bad("resp: length line too long");
            return std::nullopt;
        }
        long long n = 0;
        auto [p, ec] = std::from_chars(b.data() + pos + 1, b.data() + end, n);
        if (ec != std::errc() || p != b.data() + end || n < -1) bad("resp: bad length");
        pos = end + 2;
        return n;
    }

    std::optional<message> parse_array(std::string_view b, std::size_t& pos) const {
        auto count = number_line(b, pos, '*');
        if (!count) return std::nullopt;
        if (*count < 1 || static_cast<std::size_t>(*count) > max_ / 4) bad("resp: bad array length");
        message m;
        m.args.reserve(static_cast<std::size_t>(*count));
        for (long long i = 0; i < *count; ++i) {
            auto len = number_line(b, pos, '$');
            if (!len) return std::nullopt;
            if (*len < 0) bad("resp: nil in a request");
            if (static_cast<std::size_t>(*len) > max_) too_long();
            if (b.size() - pos < static_cast<std::size_t>(*len) + 2) return std::nullopt;
            if (b.compare(pos + *len, 2, "\r\n") != 0) bad("resp: bulk string not ended by CRLF");
            m.args.emplace_back(b.substr(pos, static_cast<std::size_t>(*len)));
            pos += static_cast<std::size_t>(*len) + 2;
        }
        if (pos > max_) too_long();
        return m;
    }

    std::optional<message> parse_inline(std::string_view b, std::size_t& pos) const {
        std::size_t end = b.find('\n');
        if (end == std::string_view::npos) return std::nullopt;
        std::string_view line = b.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        message m;
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && line[i] == ' ') ++i;
            std::size_t j = line.find(' ', i);
            if (j == std::string_view::npos) j = line.size();
            if (j > i) m.args.emplace_back(line.substr(i, j - i));
            i = j;
        }
        pos = end + 1;
        if (m.args.empty()) return parse_next_or_empty(b, pos);
        return m;
    }
    // A blank line: skip it (redis does too) and try the next request.
    std::optional<message> parse_next_or_empty(std::string_view b, std::size_t& pos) const {
        std::string_view rest = b.substr(pos);
        std::size_t sub = 0;
        std::optional<message> m = rest.empty() ? std::nullopt
                                   : (rest[0] == '*' ? parse_array(rest, sub) : parse_inline(rest, sub));
        if (m) pos += sub;
        return m;
    }

    std::size_t max_;
};

}  // namespace mini_redis

// SPDX-License-Identifier: MIT
// Fuzzes af::io::framed over an af::io::duplex pair, the in-memory stand-in for a socket: a
// client task writes the input in pieces (short writes whenever the duplex buffer is full) and
// then shuts down its side; a server task reads lines through framed(end, lines_codec(max))
// and echoes each one back through the same framed as a sink; a third task reads the echo.
// The three run together under af::block_on, so every read, write and flush meets pending and
// partial progress. Checked against a reference that splits the whole input at once: the echo
// is exactly the reference lines, each with "\n", and the server stops with frame_too_long
// exactly when the reference does; no line over the maximum is ever decoded.
//
// Input: [duplex capacity + split seed] [max line length] [data...]
//   byte 0, bits 0-3: duplex capacity - 1 (1..16 bytes); bits 4-7: seed of the write pieces
//   byte 1: the maximum line length
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/join.hpp"
#include "af/io/duplex.hpp"
#include "af/io/error.hpp"
#include "af/io/framed.hpp"
#include "af/io/read.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/io/lines_codec.hpp"
#include "af/sink/close.hpp"
#include "af/sink/send.hpp"
#include "af/stream/next.hpp"
#include "support.hpp"

namespace {

using af::fuzz::check;

struct reference {
    std::string echo;
    bool too_long = false;
};

reference reference_lines(std::string_view data, std::size_t max) {
    reference out;
    while (!data.empty()) {
        auto nl = data.find('\n');
        std::string_view line = data.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > max) {
            out.too_long = true;
            return out;
        }
        out.echo.append(line);
        out.echo.push_back('\n');
        data.remove_prefix(nl == std::string_view::npos ? data.size() : nl + 1);
    }
    return out;
}

af::task<void> write_input(af::io::duplex_stream& end, std::string_view data, unsigned seed) {
    std::string_view rest = data;
    std::uint32_t x = seed * 2654435761u | 1u;
    try {
        while (!rest.empty()) {
            // Pieces of 1..64 bytes chosen by the seed (seed 0: all at once), each written with
            // one write_all, which makes short writes whenever the duplex buffer fills.
            std::size_t len = rest.size();
            if (seed != 0) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                len = std::min<std::size_t>(rest.size(), 1 + x % 64);
            }
            std::span<const std::byte> piece(reinterpret_cast<const std::byte*>(rest.data()), len);
            co_await af::io::write_all(end, piece);
            rest.remove_prefix(len);
        }
        co_await af::io::shutdown(end);
    } catch (const std::system_error&) {
        // the server stopped reading (a line too long) and dropped its end: broken pipe
    }
}

af::task<void> echo_lines(af::io::duplex_stream end, std::size_t max, bool& too_long) {
    auto lines = af::io::framed(std::move(end), af::io::lines_codec(max));
    try {
        for (;;) {
            std::optional<std::string> line = co_await af::next(lines);
            if (!line) break;
            check(line->size() <= max, "a line over the maximum was decoded");
            co_await af::sinks::send(lines, std::move(*line));
        }
        co_await af::sinks::close(lines);
    } catch (const af::io::frame_error& e) {
        check(e.code() == af::io::error::frame_too_long, "an unexpected frame error");
        too_long = true;
    }
}

af::task<void> read_echo(af::io::duplex_stream& end, std::string& out) {
    std::byte buf[7];  // small reads: short reads on this side too
    for (;;) {
        std::size_t n = co_await af::io::read(end, std::span<std::byte>(buf));
        if (n == 0) break;
        out.append(reinterpret_cast<const char*>(buf), n);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
    if (n < 2) return 0;
    const std::size_t capacity = (p[0] & 15) + 1;
    const unsigned seed = p[0] >> 4;
    const std::size_t max = p[1];
    const std::string_view data(reinterpret_cast<const char*>(p + 2), n - 2);

    auto [client, server] = af::io::duplex(capacity);
    std::string echo;
    bool too_long = false;
    af::block_on(af::join(write_input(client, data, seed), echo_lines(std::move(server), max, too_long),
                          read_echo(client, echo)));
    const reference want = reference_lines(data, max);
    af::fuzz::check_context() = echo;
    check(too_long == want.too_long, "the server's frame_too_long differs from the reference");
    check(echo == want.echo, "the echo differs from the reference lines");
    af::fuzz::check_context() = {};
    return 0;
}

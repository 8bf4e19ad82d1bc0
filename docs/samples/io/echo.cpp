// SPDX-License-Identifier: MIT
// A duplex pipe, the read and write helpers, and the end-of-stream convention.
#include <af/af.hpp>
#include <af/io.hpp>

#include <array>
#include <cassert>
#include <string>
#include <string_view>

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// Echoes until the peer shuts down its side, then shuts down ours.
af::task<std::size_t> echo(af::io::duplex_stream& io) {
    std::array<std::byte, 16> buf;
    std::size_t total = 0;
    for (;;) {
        std::size_t n = co_await af::io::read(io, buf);  // short reads are normal
        if (n == 0) break;                               // 0 = end of stream, not an error
        co_await af::io::write_all(io, std::span<const std::byte>(buf.data(), n));
        total += n;
    }
    co_await af::io::shutdown(io);
    co_return total;
}

af::task<> send(af::io::duplex_stream& io, std::string_view text) {
    co_await af::io::write_all(io, bytes(text));
    co_await af::io::shutdown(io);  // "no more from me": the server's read gives 0
}

// Writes and reads at the same time. Writing everything before reading would deadlock once
// both small pipe buffers are full: the server waits for us to read, we wait for it to read.
af::task<std::string> client(af::io::duplex_stream& io) {
    std::string reply;
    co_await af::join(send(io, "ping, ping, ping"), af::io::read_to_string(io, reply));
    co_return reply;
}

int main() {
    // 4 bytes per direction: every read and write above is cut into small pieces.
    auto [c, s] = af::io::duplex(4);
    auto [reply, echoed] = af::block_on(af::join(client(c), echo(s)));
    assert(reply == "ping, ping, ping");
    assert(echoed == 16);

    // read_exact wants every byte; the end of the stream first is an error.
    auto [a, b] = af::io::duplex(16);
    af::block_on(af::io::write_all(a, bytes("abc")));
    af::block_on(af::io::shutdown(a));
    std::array<std::byte, 8> header;
    try {
        af::block_on(af::io::read_exact(b, header));
        assert(false);
    } catch (const std::system_error& e) {
        assert(e.code() == af::io::error::unexpected_eof);
    }
}

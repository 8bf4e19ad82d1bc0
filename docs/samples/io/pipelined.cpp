// SPDX-License-Identifier: MIT
// Reply batching: send_pipelined flushes only when no further request is already received.
#include <af/af.hpp>
#include <af/io/duplex.hpp>
#include <af/io/framed.hpp>
#include <af/io/lines_codec.hpp>
#include <af/io/send_pipelined.hpp>
#include <af/io/shutdown.hpp>
#include <af/io/write_all.hpp>
#include <af/stream/next.hpp>

#include <cassert>
#include <span>
#include <string>

// A duplex end that counts the writes reaching it.
struct counted {
    af::io::duplex_stream s;
    int writes = 0;
    af::poll<std::size_t> poll_read(af::context& cx, std::span<std::byte> b) { return s.poll_read(cx, b); }
    af::poll<std::size_t> poll_write(af::context& cx, std::span<const std::byte> b) {
        ++writes;
        return s.poll_write(cx, b);
    }
    af::poll<void> poll_flush(af::context& cx) { return s.poll_flush(cx); }
    af::poll<void> poll_shutdown(af::context& cx) { return s.poll_shutdown(cx); }
};

af::task<int> serve_pipelined_client() {
    auto [client, server] = af::io::duplex(4096);
    af::io::framed conn(counted{std::move(server)}, af::io::lines_codec(256));
    std::string requests = "get a\nget b\nget c\nget d\n";  // pipelined: one segment
    auto bytes = std::as_bytes(std::span(requests.data(), requests.size()));
    co_await af::io::write_all(client, bytes);
    co_await af::io::shutdown(client);
    while (auto req = co_await af::next(conn)) {
        std::string reply = "value of " + req->substr(4);
        // Queued while more requests wait in the buffer; written and flushed after the last.
        co_await af::io::send_pipelined(conn, std::move(reply));
    }
    co_return conn.get_ref().writes;
}

int main() {
    assert(af::block_on(serve_pipelined_client()) == 1);  // four replies, one write
}

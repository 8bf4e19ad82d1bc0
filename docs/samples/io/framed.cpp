// SPDX-License-Identifier: MIT
// framed: messages over bytes, with a length-delimited codec; an oversized frame is an error.
#include <af/af.hpp>
#include <af/io.hpp>
#include <af/stream.hpp>

#include <cassert>
#include <string>
#include <vector>

using frame = af::bytes;  // length_delimited_codec's frames: pieces of the receive buffer

frame filled(std::size_t n, std::byte v) { return af::bytes::copy_from(std::vector<std::byte>(n, v)); }

// The sink side, step by step: wait for room, hand the frame over, then close (flush + shutdown).
template <class S>
af::task<> send_and_close(S& out, std::vector<frame> frames) {
    for (auto& f : frames) {
        co_await af::poll_fn([&](af::context& cx) { return out.poll_ready(cx); });
        out.start_send(std::move(f));
    }
    co_await af::poll_fn([&](af::context& cx) { return out.poll_close(cx); });
}

int main() {
    auto [a, b] = af::io::duplex(64);
    af::io::framed tx(std::move(a), af::io::length_delimited_codec(1024));
    af::io::framed rx(std::move(b), af::io::length_delimited_codec(1024));

    std::vector<frame> msgs{filled(3, std::byte{1}), frame{}, filled(500, std::byte{2})};
    auto [unit, got] = af::block_on(af::join(send_and_close(tx, msgs), af::streams::by_ref(rx) | af::streams::collect()));
    (void)unit;
    assert(got == msgs);  // frame boundaries survive a 64-byte pipe

    // A peer announcing 2000 bytes to a reader whose maximum is 1024: refused from the header.
    // (The pipe holds the whole frame: nobody reads while it is sent.)
    auto [c, d] = af::io::duplex(4096);
    af::io::framed big(std::move(c), af::io::length_delimited_codec(4096));
    af::io::framed small(std::move(d), af::io::length_delimited_codec(1024));
    af::block_on(send_and_close(big, std::vector<frame>{filled(2000, std::byte{0})}));
    try {
        (void)af::block_on(af::next(small));
        assert(false);
    } catch (const af::io::frame_error& e) {
        assert(e.code() == af::io::error::frame_too_long);
        assert(std::string(e.what()).starts_with("frame of 2000 bytes is over the maximum of 1024"));
    }
}

// SPDX-License-Identifier: MIT
// buf_reader + lines: a stream of text lines; copy through a buffer.
#include <af/af.hpp>
#include <af/io.hpp>
#include <af/stream.hpp>

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

af::task<> send_text(af::io::duplex_stream& io, std::string_view text) {
    co_await af::io::write_all(io, std::as_bytes(std::span(text.data(), text.size())));
    co_await af::io::shutdown(io);
}

int main() {
    auto [w, r] = af::io::duplex(8);
    // lines() owns the buf_reader, which owns r; "\r\n" and "\n" both end a line, and the
    // last line needs no newline.
    auto lines = af::io::lines(af::io::buf_reader(std::move(r)));
    auto [unit, got] = af::block_on(af::join(send_text(w, "GET /\r\nHost: af\n\nbody"),
                                             std::move(lines) | af::streams::collect()));
    (void)unit;
    assert((got == std::vector<std::string>{"GET /", "Host: af", "", "body"}));

    // copy: everything from one pipe into another, however small the pipes are. copy does not
    // shut the writer down; we do, so that the last reader sees the end.
    auto [in_w, in_r] = af::io::duplex(3);
    auto [out_w, out_r] = af::io::duplex(5);
    std::string text;
    auto [u1, copied, u2] = af::block_on(af::join(send_text(in_w, "a few bytes to move"),
                                                  af::co_invoke([&]() -> af::task<std::uint64_t> {
                                                      auto n = co_await af::io::copy(in_r, out_w);
                                                      co_await af::io::shutdown(out_w);
                                                      co_return n;
                                                  }),
                                                  af::co_invoke([&]() -> af::task<> {
                                                      co_await af::io::read_to_string(out_r, text);
                                                  })));
    (void)u1;
    (void)u2;
    assert(copied == 19 && text == "a few bytes to move");
}

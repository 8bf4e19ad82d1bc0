// SPDX-License-Identifier: MIT
// Buffers: build bytes in a bytes_mut, cut frames off without copying, share them as af::bytes,
// and write a head and a body together with one vectored write.
#include <af/af.hpp>
#include <af/bytes.hpp>
#include <af/io.hpp>

#include <array>
#include <cassert>
#include <string>
#include <thread>

int main() {
    // A receive buffer holding two messages and the start of a third.
    af::bytes_mut in = af::bytes_mut::with_capacity(64);
    in.put("hello\nworld\npar");
    const std::byte* start = in.data();

    // Cutting a message off is no copy: the frame is the buffer's own memory, now shared.
    af::bytes first = in.split_to(6).freeze();
    af::bytes second = in.split_to(6).freeze();
    assert(first.data() == start && first.as_string_view() == "hello\n");
    assert(second.data() == start + 6);
    assert(in.as_string_view() == "par");

    // Copies and slices of a bytes are views of the same memory, on any thread.
    af::bytes word = second.slice(0, 5);
    std::thread t([copy = word] { assert(copy.as_string_view() == "world"); });
    t.join();

    // Once every view of the block is gone, reserve moves "par" back to the start of the
    // same block instead of allocating a new one.
    first = af::bytes();
    second = af::bytes();
    word = af::bytes();
    in.reserve(60);
    assert(in.data() == start && in.as_string_view() == "par");

    // A response head built at run time and a static body, written as one vectored write:
    // chunks_vectored fills io_slices with both parts, nothing is copied together, and
    // write_all_buf writes them and advances the buf.
    af::bytes_mut head;
    head.put("HTTP/1.1 200 OK\r\ncontent-length: ");
    head.put(std::to_string(5));
    head.put("\r\n\r\n");
    auto response = af::chain(std::move(head).freeze(), af::bytes::from_static("hello"));
    std::array<af::io::io_slice, 4> parts;
    std::size_t n = af::chunks_vectored(response, parts);
    assert(n == 2);

    auto [client, server] = af::io::duplex(256);
    af::block_on(af::io::write_all_buf(server, response));  // the same loop, done for you
    assert(response.remaining() == 0);

    std::string got(64, '\0');
    std::size_t len = af::block_on(af::io::read(client, std::as_writable_bytes(std::span(got))));
    got.resize(len);
    assert(got == "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
}

// SPDX-License-Identifier: MIT
#include "af/io/buf_reader.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string_view>

#include "af/executor/block_on.hpp"
#include "af/io/duplex.hpp"
#include "af/io/read.hpp"
#include "af/io/read_to_string.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/test/wake_counter.hpp"

namespace io_buf_reader_test {

namespace {

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
std::string_view text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

static_assert(af::io::async_buf_read<af::io::buf_reader<af::io::duplex_stream>>);
static_assert(af::io::async_read<af::io::buf_reader<af::io::duplex_stream>>);
static_assert(af::io::async_write<af::io::buf_reader<af::io::duplex_stream>>);

// Counts reads that reach the inner reader.
struct counting_reader {
    af::io::duplex_stream* in;
    int reads = 0;
    af::poll<std::size_t> poll_read(af::context& cx, std::span<std::byte> b) {
        ++reads;
        return in->poll_read(cx, b);
    }
};

TEST(buf_reader, fill_buf_shows_bytes_until_consumed_and_is_pending_when_empty) {
    auto [a, b] = af::io::duplex(64);
    af::io::buf_reader br(b, 16);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(br.poll_fill_buf(cx).is_pending());
    af::block_on(af::io::write_all(a, bytes("hello")));
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(text(*br.poll_fill_buf(cx)), "hello");
    br.consume(2);
    EXPECT_EQ(text(*br.poll_fill_buf(cx)), "llo");
    br.consume(100);  // clamped to what is buffered
    EXPECT_TRUE(br.poll_fill_buf(cx).is_pending());
    af::block_on(af::io::shutdown(a));
    EXPECT_TRUE(br.poll_fill_buf(cx)->empty());
}

TEST(buf_reader, small_reads_are_served_from_one_inner_read) {
    auto [a, b] = af::io::duplex(64);
    af::block_on(af::io::write_all(a, bytes("abcdefgh")));
    counting_reader cr{&b};
    af::io::buf_reader br(cr, 32);
    std::array<std::byte, 2> two{};
    for (std::string_view want : {"ab", "cd", "ef", "gh"}) {
        EXPECT_EQ(af::block_on(af::io::read(br, two)), 2u);
        EXPECT_EQ(text(two), want);
    }
    EXPECT_EQ(cr.reads, 1);
}

TEST(buf_reader, a_read_as_large_as_the_buffer_bypasses_it) {
    auto [a, b] = af::io::duplex(64);
    af::block_on(af::io::write_all(a, bytes("abcdefgh")));
    af::io::buf_reader br(b, 4);
    std::array<std::byte, 8> buf{};
    EXPECT_EQ(af::block_on(af::io::read(br, buf)), 8u);
    EXPECT_TRUE(br.buffer().empty());
}

TEST(buf_reader, owns_an_rvalue_reader_and_reads_to_the_end) {
    auto [a, b] = af::io::duplex(8);
    af::io::buf_reader br(std::move(b), 3);
    static_assert(std::is_same_v<decltype(br), af::io::buf_reader<af::io::duplex_stream>>);
    af::block_on(af::io::write_all(a, bytes("xyz1")));
    af::block_on(af::io::shutdown(a));
    std::string s;
    EXPECT_EQ(af::block_on(af::io::read_to_string(br, s)), 4u);
    EXPECT_EQ(s, "xyz1");
}

}  // namespace

}  // namespace io_buf_reader_test

// SPDX-License-Identifier: MIT
#include "af/io/buf_writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

#include "af/executor/block_on.hpp"
#include "af/io/duplex.hpp"
#include "af/io/flush.hpp"
#include "af/io/read.hpp"
#include "af/io/read_to_string.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/test/wake_counter.hpp"

namespace io_buf_writer_test {

namespace {

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

struct counting_writer {
    af::io::duplex_stream* out;
    int writes = 0;
    af::poll<std::size_t> poll_write(af::context& cx, std::span<const std::byte> b) {
        ++writes;
        return out->poll_write(cx, b);
    }
    af::poll<void> poll_flush(af::context& cx) { return out->poll_flush(cx); }
    af::poll<void> poll_shutdown(af::context& cx) { return out->poll_shutdown(cx); }
};

static_assert(af::io::async_write<af::io::buf_writer<af::io::duplex_stream>>);
static_assert(af::io::async_read<af::io::buf_writer<af::io::duplex_stream>>);

TEST(buf_writer, keeps_small_writes_until_flush_then_writes_them_at_once) {
    auto [a, b] = af::io::duplex(64);
    counting_writer cw{&a};
    af::io::buf_writer bw(cw, 16);
    af::block_on(af::io::write_all(bw, bytes("ab")));
    af::block_on(af::io::write_all(bw, bytes("cd")));
    EXPECT_EQ(cw.writes, 0);
    EXPECT_EQ(bw.buffer().size(), 4u);
    af::block_on(af::io::flush(bw));
    EXPECT_EQ(cw.writes, 1);
    std::array<std::byte, 8> buf{};
    EXPECT_EQ(af::block_on(af::io::read(b, buf)), 4u);
}

TEST(buf_writer, a_write_that_does_not_fit_flushes_first_and_waits_for_room) {
    auto [a, b] = af::io::duplex(4);
    af::io::buf_writer bw(a, 6);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_EQ(*bw.poll_write(cx, bytes("abcde")), 5u);
    // 5 + 3 > 6: the buffer must go first, and the pipe only takes 4.
    EXPECT_TRUE(bw.poll_write(cx, bytes("fgh")).is_pending());
    std::array<std::byte, 8> buf{};
    EXPECT_EQ(af::block_on(af::io::read(b, buf)), 4u);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(*bw.poll_write(cx, bytes("fgh")), 3u);
    EXPECT_EQ(bw.buffer().size(), 3u);
}

TEST(buf_writer, shutdown_flushes_then_ends_the_peer) {
    auto [a, b] = af::io::duplex(64);
    af::io::buf_writer bw(std::move(a));
    af::block_on(af::io::write_all(bw, bytes("last words")));
    af::block_on(af::io::shutdown(bw));
    std::string s;
    af::block_on(af::io::read_to_string(b, s));
    EXPECT_EQ(s, "last words");
}

}  // namespace

}  // namespace io_buf_writer_test

// SPDX-License-Identifier: MIT
#include "af/io/duplex.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string_view>
#include <system_error>

#include "af/io/async_read.hpp"
#include "af/io/async_write.hpp"
#include "af/test/wake_counter.hpp"

namespace io_duplex_test {

namespace {

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

static_assert(af::io::async_read<af::io::duplex_stream>);
static_assert(af::io::async_write<af::io::duplex_stream>);

TEST(duplex, read_is_pending_when_empty_and_woken_by_a_write) {
    auto [a, b] = af::io::duplex(16);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::array<std::byte, 8> buf{};
    EXPECT_TRUE(b.poll_read(cx, buf).is_pending());
    EXPECT_EQ(wc.count(), 0u);
    af::test::wake_counter wc2;
    af::context cx2(wc2.waker());
    auto w = a.poll_write(cx2, bytes("hi"));
    ASSERT_TRUE(w.is_ready());
    EXPECT_EQ(*w, 2u);
    EXPECT_EQ(wc.count(), 1u);
    auto r = b.poll_read(cx, buf);
    ASSERT_TRUE(r.is_ready());
    EXPECT_EQ(*r, 2u);
    EXPECT_EQ(std::memcmp(buf.data(), "hi", 2), 0);
}

TEST(duplex, shutdown_gives_the_peer_end_of_stream_after_the_buffered_bytes) {
    auto [a, b] = af::io::duplex(16);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::array<std::byte, 8> buf{};
    ASSERT_TRUE(a.poll_write(cx, bytes("abc")).is_ready());
    ASSERT_TRUE(a.poll_shutdown(cx).is_ready());
    EXPECT_EQ(*b.poll_read(cx, buf), 3u);
    EXPECT_EQ(*b.poll_read(cx, buf), 0u);
    EXPECT_EQ(*b.poll_read(cx, buf), 0u);
}

TEST(duplex, shutdown_wakes_a_pending_reader) {
    auto [a, b] = af::io::duplex(16);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::array<std::byte, 8> buf{};
    EXPECT_TRUE(b.poll_read(cx, buf).is_pending());
    ASSERT_TRUE(a.poll_shutdown(cx).is_ready());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(*b.poll_read(cx, buf), 0u);
    // The other direction is still open.
    EXPECT_EQ(*b.poll_write(cx, bytes("x")), 1u);
    EXPECT_EQ(*a.poll_read(cx, buf), 1u);
}

TEST(duplex, tiny_capacity_makes_reads_and_writes_short_and_a_full_buffer_pending) {
    auto [a, b] = af::io::duplex(4);
    af::test::wake_counter wr, rd;
    af::context wcx(wr.waker()), rcx(rd.waker());
    EXPECT_EQ(*a.poll_write(wcx, bytes("abcdef")), 4u);
    EXPECT_TRUE(a.poll_write(wcx, bytes("ef")).is_pending());
    std::array<std::byte, 3> buf{};
    EXPECT_EQ(*b.poll_read(rcx, buf), 3u);
    EXPECT_EQ(std::memcmp(buf.data(), "abc", 3), 0);
    EXPECT_EQ(wr.count(), 1u);
    // Wraps around the ring: 1 left + 3 new.
    EXPECT_EQ(*a.poll_write(wcx, bytes("efgh")), 3u);
    std::array<std::byte, 8> big{};
    EXPECT_EQ(*b.poll_read(rcx, big), 4u);
    EXPECT_EQ(std::memcmp(big.data(), "defg", 4), 0);
}

TEST(duplex, dropping_an_end_gives_eof_to_reads_and_broken_pipe_to_writes) {
    auto [a, b] = af::io::duplex(8);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::array<std::byte, 8> buf{};
    EXPECT_TRUE(b.poll_read(cx, buf).is_pending());
    { auto gone = std::move(a); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(*b.poll_read(cx, buf), 0u);
    try {
        (void)b.poll_write(cx, bytes("x"));
        FAIL() << "write to a dropped peer did not throw";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), std::errc::broken_pipe);
    }
}

TEST(duplex, dropping_the_reader_wakes_a_writer_blocked_on_a_full_buffer) {
    auto [a, b] = af::io::duplex(2);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_EQ(*a.poll_write(cx, bytes("ab")), 2u);
    EXPECT_TRUE(a.poll_write(cx, bytes("c")).is_pending());
    { auto gone = std::move(b); }
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_THROW((void)a.poll_write(cx, bytes("c")), std::system_error);
}

TEST(duplex, writing_after_own_shutdown_throws) {
    auto [a, b] = af::io::duplex(8);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    ASSERT_TRUE(a.poll_shutdown(cx).is_ready());
    EXPECT_THROW((void)a.poll_write(cx, bytes("x")), std::system_error);
}

TEST(duplex, zero_capacity_is_rejected) { EXPECT_THROW((void)af::io::duplex(0), std::invalid_argument); }

}  // namespace

}  // namespace io_duplex_test

// SPDX-License-Identifier: MIT
// read, read_exact, read_to_end, read_to_string, write_all, flush, shutdown, copy and
// copy_bidirectional over af::io::duplex.
#include "af/io/read.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/join.hpp"
#include "af/io/copy.hpp"
#include "af/io/copy_bidirectional.hpp"
#include "af/io/duplex.hpp"
#include "af/io/flush.hpp"
#include "af/io/read_exact.hpp"
#include "af/io/read_to_end.hpp"
#include "af/io/read_to_string.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/test/wake_counter.hpp"

namespace io_helpers_test {

namespace {

using af::io::duplex_stream;

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::vector<std::byte> pattern(std::size_t n) {
    std::vector<std::byte> v(n);
    std::uint32_t x = 12345;
    for (auto& b : v) {
        x = x * 1103515245u + 12345u;
        b = static_cast<std::byte>(x >> 16);
    }
    return v;
}

std::uint64_t checksum(std::span<const std::byte> v) {
    std::uint64_t h = 1469598103934665603ull;
    for (auto b : v) h = (h ^ static_cast<std::uint64_t>(b)) * 1099511628211ull;
    return h;
}

af::task<> write_then_shutdown(duplex_stream& w, std::span<const std::byte> data) {
    co_await af::io::write_all(w, data);
    co_await af::io::flush(w);
    co_await af::io::shutdown(w);
}

TEST(read, gives_a_short_read_when_fewer_bytes_are_buffered_and_zero_at_the_end) {
    auto [a, b] = af::io::duplex(64);
    af::block_on(af::io::write_all(a, bytes("abc")));
    std::array<std::byte, 10> buf{};
    EXPECT_EQ(af::block_on(af::io::read(b, buf)), 3u);
    af::block_on(af::io::shutdown(a));
    EXPECT_EQ(af::block_on(af::io::read(b, buf)), 0u);
}

TEST(read_exact, fills_the_whole_buffer_across_short_reads) {
    auto [a, b] = af::io::duplex(3);
    std::array<std::byte, 10> buf{};
    auto data = pattern(10);
    af::block_on(af::join(write_then_shutdown(a, data), af::io::read_exact(b, buf)));
    EXPECT_TRUE(std::equal(buf.begin(), buf.end(), data.begin()));
}

TEST(read_exact, throws_unexpected_eof_with_a_clear_message_when_the_stream_ends_early) {
    auto [a, b] = af::io::duplex(16);
    af::block_on(af::io::write_all(a, bytes("ab")));
    af::block_on(af::io::shutdown(a));
    std::array<std::byte, 4> buf{};
    try {
        af::block_on(af::io::read_exact(b, buf));
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), af::io::error::unexpected_eof);
        EXPECT_NE(std::string(e.what()).find("after 2 of 4 bytes"), std::string::npos) << e.what();
    }
}

TEST(read_exact, is_pending_until_every_byte_arrived) {
    auto [a, b] = af::io::duplex(16);
    std::array<std::byte, 4> buf{};
    auto f = af::io::read_exact(b, buf);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(f.poll(cx).is_pending());
    af::block_on(af::io::write_all(a, bytes("ab")));
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_pending());
    af::block_on(af::io::write_all(a, bytes("cd")));
    EXPECT_TRUE(f.poll(cx).is_ready());
}

TEST(write_all, is_pending_on_a_full_pipe_and_finishes_as_the_reader_drains) {
    auto [a, b] = af::io::duplex(4);
    auto data = bytes("0123456789");
    auto f = af::io::write_all(a, data);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(f.poll(cx).is_pending());
    std::array<std::byte, 4> buf{};
    EXPECT_EQ(af::block_on(af::io::read(b, buf)), 4u);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(af::block_on(af::io::read(b, buf)), 4u);
    EXPECT_TRUE(f.poll(cx).is_ready());
}

TEST(read_to_end, collects_everything_until_shutdown) {
    auto [a, b] = af::io::duplex(7);
    auto data = pattern(10000);
    std::vector<std::byte> out{std::byte{1}};
    auto [unit, n] = af::block_on(af::join(write_then_shutdown(a, data), af::io::read_to_end(b, out)));
    (void)unit;
    EXPECT_EQ(n, 10000u);
    ASSERT_EQ(out.size(), 10001u);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), out.begin() + 1));
}

TEST(read_to_end, keeps_the_bytes_read_before_it_is_dropped) {
    auto [a, b] = af::io::duplex(16);
    af::block_on(af::io::write_all(a, bytes("hello")));
    std::vector<std::byte> out;
    {
        auto f = af::io::read_to_end(b, out);
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_EQ(out.size(), 5u);
}

TEST(read_to_string, appends_text) {
    auto [a, b] = af::io::duplex(16);
    std::string s = "> ";
    auto [unit, n] = af::block_on(af::join(write_then_shutdown(a, bytes("hello, world")), af::io::read_to_string(b, s)));
    (void)unit;
    EXPECT_EQ(n, 12u);
    EXPECT_EQ(s, "> hello, world");
}

TEST(copy, moves_one_mib_through_a_64_byte_duplex_intact) {
    auto [src_w, src_r] = af::io::duplex(64);
    auto [dst_w, dst_r] = af::io::duplex(64);
    auto data = pattern(1 << 20);
    std::vector<std::byte> out;
    auto copy_then_shutdown = [&]() -> af::task<std::uint64_t> {
        auto n = co_await af::io::copy(src_r, dst_w);
        co_await af::io::shutdown(dst_w);
        co_return n;
    };
    auto [unit, copied, read] =
        af::block_on(af::join(write_then_shutdown(src_w, data), copy_then_shutdown(), af::io::read_to_end(dst_r, out)));
    (void)unit;
    EXPECT_EQ(copied, 1u << 20);
    EXPECT_EQ(read, 1u << 20);
    ASSERT_EQ(out.size(), data.size());
    EXPECT_EQ(checksum(out), checksum(data));
}

TEST(copy_bidirectional, copies_both_ways_and_shuts_each_side_down_after_its_peer_ends) {
    auto [client, proxy_a] = af::io::duplex(32);
    auto [proxy_b, server] = af::io::duplex(32);
    auto up = pattern(5000);
    auto down = pattern(3000);
    std::vector<std::byte> got_up, got_down;
    auto side = [](duplex_stream& io, std::span<const std::byte> send, std::vector<std::byte>& recv) -> af::task<> {
        co_await af::join(write_then_shutdown(io, send), af::io::read_to_end(io, recv));
    };
    auto [counts, u1, u2] =
        af::block_on(af::join(af::io::copy_bidirectional(proxy_a, proxy_b), side(client, up, got_down), side(server, down, got_up)));
    (void)u1;
    (void)u2;
    EXPECT_EQ(counts.first, 5000u);
    EXPECT_EQ(counts.second, 3000u);
    EXPECT_EQ(checksum(got_up), checksum(up));
    EXPECT_EQ(checksum(got_down), checksum(down));
}

}  // namespace

}  // namespace io_helpers_test

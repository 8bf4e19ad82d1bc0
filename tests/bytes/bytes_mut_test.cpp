// SPDX-License-Identifier: MIT
#include "af/bytes/bytes_mut.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "af/bytes/buf.hpp"
#include "af/bytes/bytes.hpp"

namespace bytes_bytes_mut_test {

namespace {

using namespace std::string_view_literals;

static_assert(af::buf<af::bytes_mut> && af::buf_mut<af::bytes_mut>);

TEST(bytes_mut, put_appends_text_bytes_and_big_endian_integers) {
    af::bytes_mut b;
    b.put("ab"sv);
    b.put_u8(0x01);
    b.put_u16(0x0203);
    b.put_u32(0x04050607);
    b.put_u64(0x08090a0b0c0d0e0f);
    b.put(af::bytes::from_static("z"sv));
    ASSERT_EQ(b.size(), 18u);
    EXPECT_EQ(b.as_string_view().substr(0, 2), "ab");
    for (std::size_t i = 2; i < 17; ++i) EXPECT_EQ(b[i], static_cast<std::byte>(i - 1)) << i;
    EXPECT_EQ(b[17], std::byte{'z'});
}

TEST(bytes_mut, freeze_is_zero_copy) {
    auto b = af::bytes_mut::copy_from("frozen"sv);
    const std::byte* p = b.data();
    af::bytes f = std::move(b).freeze();
    EXPECT_EQ(f.data(), p);
    EXPECT_EQ(f.as_string_view(), "frozen");
    EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): freeze leaves it empty
    EXPECT_TRUE(af::bytes_mut().freeze().empty());
}

TEST(bytes_mut, split_to_and_split_off_cut_without_copying) {
    auto b = af::bytes_mut::copy_from("aaaabbbbcccc"sv);
    const std::byte* p = b.data();
    af::bytes_mut a = b.split_to(4);
    EXPECT_EQ(a.data(), p);
    EXPECT_EQ(a.as_string_view(), "aaaa");
    EXPECT_EQ(b.data(), p + 4);
    af::bytes_mut c = b.split_off(4);
    EXPECT_EQ(b.as_string_view(), "bbbb");
    EXPECT_EQ(c.as_string_view(), "cccc");
    EXPECT_EQ(c.data(), p + 8);
    // Each piece writes only its own range: growing one never touches its neighbours.
    a.put("!"sv);
    EXPECT_EQ(a.as_string_view(), "aaaa!");
    EXPECT_EQ(b.as_string_view(), "bbbb");
    b.put("?"sv);
    EXPECT_EQ(b.as_string_view(), "bbbb?");
    EXPECT_EQ(c.as_string_view(), "cccc");
}

TEST(bytes_mut, out_of_range_cuts_throw_and_change_nothing) {
    auto b = af::bytes_mut::copy_from("abc"sv);
    EXPECT_THROW((void)b.split_to(4), std::out_of_range);
    EXPECT_THROW((void)b.split_off(4), std::out_of_range);
    EXPECT_THROW(b.advance(4), std::out_of_range);
    EXPECT_THROW(b.advance_mut(b.capacity() - b.size() + 1), std::out_of_range);
    EXPECT_EQ(b.as_string_view(), "abc");
    EXPECT_THROW(b.reserve(SIZE_MAX), std::length_error);
    EXPECT_EQ(b.as_string_view(), "abc");
}

TEST(bytes_mut, reserve_reuses_the_block_once_the_frozen_frames_are_gone) {
    auto b = af::bytes_mut::with_capacity(64);
    const std::byte* base = b.data();
    b.put("frame-1|partial"sv);
    af::bytes frame = b.split_to(8).freeze();
    EXPECT_EQ(frame.data(), base);
    EXPECT_EQ(b.as_string_view(), "partial");
    frame = af::bytes();  // the last view of the frame's range goes
    b.reserve(50);        // 49 spare after the split: not enough without the front
    EXPECT_EQ(b.data(), base);
    EXPECT_EQ(b.as_string_view(), "partial");
    EXPECT_EQ(b.capacity(), 64u);
}

TEST(bytes_mut, reserve_allocates_while_a_frozen_frame_still_points_into_the_block) {
    auto b = af::bytes_mut::with_capacity(64);
    b.put("frame-1|partial"sv);
    af::bytes frame = b.split_to(8).freeze();
    b.reserve(60);
    EXPECT_NE(b.data(), frame.data() + 8);
    EXPECT_EQ(frame.as_string_view(), "frame-1|");  // untouched
    EXPECT_EQ(b.as_string_view(), "partial");
}

TEST(bytes_mut, a_steady_stream_of_frames_uses_one_block) {
    auto b = af::bytes_mut::with_capacity(256);
    const std::byte* base = b.data();
    for (int i = 0; i < 1000; ++i) {
        b.reserve(32);
        b.put("0123456789abcdef"sv);
        af::bytes f = b.split_to(16).freeze();
        EXPECT_EQ(f.as_string_view(), "0123456789abcdef");
    }
    EXPECT_GE(b.data(), base);
    EXPECT_LT(b.data(), base + 256);
}

TEST(bytes_mut, advance_then_reserve_moves_the_rest_to_the_front) {
    auto b = af::bytes_mut::with_capacity(64);
    const std::byte* base = b.data();
    b.resize(60, std::byte{'x'});
    b.put("tail"sv);
    b.advance(60);
    b.reserve(32);
    EXPECT_EQ(b.data(), base);
    EXPECT_EQ(b.as_string_view(), "tail");
}

TEST(bytes_mut, unsplit_joins_neighbours_without_copying) {
    auto b = af::bytes_mut::copy_from("headtail"sv);
    const std::byte* p = b.data();
    af::bytes_mut tail = b.split_off(4);
    b.unsplit(std::move(tail));
    EXPECT_EQ(b.data(), p);
    EXPECT_EQ(b.as_string_view(), "headtail");
    af::bytes_mut other = af::bytes_mut::copy_from("+more"sv);
    b.unsplit(std::move(other));  // not a neighbour: copied
    EXPECT_EQ(b.as_string_view(), "headtail+more");
}

TEST(bytes_mut, chunk_mut_and_advance_mut_let_a_read_fill_spare_room) {
    af::bytes_mut b;
    auto room = b.chunk_mut();
    ASSERT_GE(room.size(), 64u);
    std::memcpy(room.data(), "read", 4);
    b.advance_mut(4);
    EXPECT_EQ(b.as_string_view(), "read");
    EXPECT_EQ(af::bytes_mut::copy_from("read"sv), b);
}

TEST(bytes_mut, put_of_its_own_bytes_survives_the_growth_it_causes) {
    auto b = af::bytes_mut::copy_from("abcd"sv);
    for (int i = 0; i < 6; ++i) b.put(b.as_span());  // the last two outgrow the 64-byte block
    EXPECT_EQ(b.size(), 4u << 6);
    EXPECT_EQ(b.as_string_view().substr(b.size() - 8), "abcdabcd");
}

TEST(bytes_mut, growth_keeps_the_bytes) {
    af::bytes_mut b;
    std::string expect;
    for (int i = 0; i < 5000; ++i) {
        b.put_u8(static_cast<std::uint8_t>(i));
        expect.push_back(static_cast<char>(static_cast<std::uint8_t>(i)));
    }
    EXPECT_EQ(b.as_string_view(), expect);
}

// Run under TSan: pieces of one block written, frozen and dropped on different threads.
TEST(bytes_mut, pieces_of_one_block_may_be_used_on_different_threads) {
    for (int round = 0; round < 50; ++round) {
        auto b = af::bytes_mut::with_capacity(4 * 256);
        b.resize(4 * 256);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            af::bytes_mut piece = b.split_to(256);
            threads.emplace_back([piece = std::move(piece), t]() mutable {
                for (auto& c : piece) c = static_cast<std::byte>(t);
                af::bytes f = std::move(piece).freeze();
                af::bytes g = f;
                EXPECT_EQ(g[255], static_cast<std::byte>(t));
            });
        }
        b.reserve(128);  // may run while the pieces are alive: must not touch their ranges
        b.put("x"sv);
        for (auto& th : threads) th.join();
        EXPECT_EQ(b.as_string_view(), "x");
    }
}

}  // namespace

}  // namespace bytes_bytes_mut_test

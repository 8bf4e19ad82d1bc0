// SPDX-License-Identifier: MIT
#include "af/bytes/bytes.hpp"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "af/bytes/bytes_mut.hpp"

namespace bytes_bytes_test {

namespace {

using namespace std::string_view_literals;

TEST(bytes, from_static_points_at_the_static_memory_and_copies_share_it) {
    static constexpr std::string_view text = "hello world";
    auto b = af::bytes::from_static(text);
    EXPECT_EQ(b.size(), 11u);
    EXPECT_EQ(reinterpret_cast<const char*>(b.data()), text.data());
    af::bytes c = b;
    EXPECT_EQ(c.data(), b.data());
    EXPECT_EQ(c.as_string_view(), "hello world");
}

TEST(bytes, copy_from_owns_a_copy) {
    std::string s = "abc";
    auto b = af::bytes::copy_from(s);
    s[0] = 'x';
    EXPECT_EQ(b.as_string_view(), "abc");
    EXPECT_NE(reinterpret_cast<const char*>(b.data()), s.data());
    EXPECT_TRUE(af::bytes::copy_from(""sv).empty());
}

TEST(bytes, a_copy_is_the_same_memory_not_a_new_buffer) {
    auto b = af::bytes::copy_from("shared"sv);
    af::bytes c = b;
    EXPECT_EQ(c.data(), b.data());
    af::bytes d = std::move(c);
    EXPECT_EQ(d.data(), b.data());
    EXPECT_TRUE(c.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(bytes, slice_views_the_same_memory) {
    auto b = af::bytes::copy_from("0123456789"sv);
    af::bytes s = b.slice(2, 5);
    EXPECT_EQ(s.as_string_view(), "234");
    EXPECT_EQ(s.data(), b.data() + 2);
    EXPECT_TRUE(b.slice(4, 4).empty());
    EXPECT_EQ(b.slice(0, 10), b);
}

TEST(bytes, split_to_returns_the_front_and_keeps_the_rest) {
    auto b = af::bytes::copy_from("headbody"sv);
    const std::byte* p = b.data();
    af::bytes head = b.split_to(4);
    EXPECT_EQ(head.as_string_view(), "head");
    EXPECT_EQ(b.as_string_view(), "body");
    EXPECT_EQ(head.data(), p);
    EXPECT_EQ(b.data(), p + 4);
    af::bytes all = b.split_to(4);
    EXPECT_EQ(all.as_string_view(), "body");
    EXPECT_TRUE(b.empty());
}

TEST(bytes, split_off_returns_the_back_and_keeps_the_front) {
    auto b = af::bytes::copy_from("headbody"sv);
    af::bytes body = b.split_off(4);
    EXPECT_EQ(b.as_string_view(), "head");
    EXPECT_EQ(body.as_string_view(), "body");
    af::bytes all = b.split_off(0);
    EXPECT_EQ(all.as_string_view(), "head");
    EXPECT_TRUE(b.empty());
}

TEST(bytes, indexes_past_the_end_throw_out_of_range_and_change_nothing) {
    auto b = af::bytes::copy_from("abc"sv);
    EXPECT_THROW((void)b.slice(1, 4), std::out_of_range);
    EXPECT_THROW((void)b.slice(3, 2), std::out_of_range);
    EXPECT_THROW((void)b.split_to(4), std::out_of_range);
    EXPECT_THROW((void)b.split_off(4), std::out_of_range);
    EXPECT_THROW(b.advance(4), std::out_of_range);
    EXPECT_THROW((void)b.at(3), std::out_of_range);
    EXPECT_EQ(b.as_string_view(), "abc");
    try {
        (void)b.split_to(7);
        FAIL() << "no exception";
    } catch (const std::out_of_range& e) {
        EXPECT_STREQ(e.what(), "af::bytes::split_to: 7 is past the end of 3 bytes");
    }
    af::bytes empty;
    EXPECT_THROW((void)empty.split_to(1), std::out_of_range);
    EXPECT_TRUE(empty.split_to(0).empty());
}

TEST(bytes, compares_by_content_lexicographically) {
    auto a = af::bytes::copy_from("abc"sv);
    auto b = af::bytes::from_static("abc"sv);
    EXPECT_EQ(a, b);
    EXPECT_LT(af::bytes::from_static("ab"sv), a);
    EXPECT_LT(a, af::bytes::from_static("abd"sv));
    std::array<std::byte, 1> hi{std::byte{0xff}};
    EXPECT_LT(a, af::bytes::copy_from(hi));  // bytes are unsigned
    EXPECT_EQ(af::bytes(), af::bytes::from_static(""sv));
}

TEST(bytes, is_a_span_and_a_range) {
    auto b = af::bytes::copy_from("xyz"sv);
    std::span<const std::byte> s = b;
    EXPECT_EQ(s.size(), 3u);
    std::string out;
    for (std::byte c : b) out.push_back(static_cast<char>(c));
    EXPECT_EQ(out, "xyz");
    EXPECT_EQ(b[1], std::byte{'y'});
}

TEST(bytes, advance_and_truncate_narrow_the_view) {
    auto b = af::bytes::copy_from("0123456789"sv);
    b.advance(3);
    b.truncate(4);
    EXPECT_EQ(b.as_string_view(), "3456");
    b.truncate(10);
    EXPECT_EQ(b.as_string_view(), "3456");
    b.advance(4);
    EXPECT_TRUE(b.empty());
}

// Run under TSan (clang-tsan): copies made and dropped on several threads at once, while the
// original is read; the last drop, whichever thread it is on, frees the block once.
TEST(bytes, copies_may_be_dropped_on_several_threads_at_once) {
    for (int round = 0; round < 50; ++round) {
        auto b = af::bytes::copy_from(std::string(1000, 'q'));
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([copy = b, t]() mutable {
                std::vector<af::bytes> more;
                for (int i = 0; i < 100; ++i) more.push_back(copy.slice(static_cast<std::size_t>(t), 1000));
                std::size_t sum = 0;
                for (auto& m : more) sum += m.size() + static_cast<std::size_t>(m[0] == std::byte{'q'});
                EXPECT_EQ(sum, 100u * (1001u - static_cast<std::size_t>(t)));
            });
        }
        if (round % 2 == 0) b = af::bytes();  // the original may go first, too
        for (auto& th : threads) th.join();
    }
}

}  // namespace

}  // namespace bytes_bytes_test

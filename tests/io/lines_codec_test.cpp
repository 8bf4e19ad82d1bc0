// SPDX-License-Identifier: MIT
#include "af/io/lines_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "af/io/codec.hpp"

namespace {

static_assert(af::io::codec<af::io::lines_codec>);

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

TEST(lines_codec, needs_a_newline_and_reports_the_bytes_used) {
    af::io::lines_codec c(16);
    std::size_t used = 0;
    EXPECT_EQ(c.decode(bytes("abc"), used), std::nullopt);
    EXPECT_EQ(c.decode(bytes("abc\r\nde"), used), std::optional<std::string>("abc"));
    EXPECT_EQ(used, 5u);
    EXPECT_EQ(c.decode(bytes("de"), used), std::nullopt);
    EXPECT_EQ(c.decode_eof(bytes("de"), used), std::optional<std::string>("de"));
    EXPECT_EQ(used, 2u);
    EXPECT_EQ(c.decode_eof(bytes(""), used), std::nullopt);
}

TEST(lines_codec, a_line_of_exactly_the_maximum_is_accepted_one_more_byte_is_not) {
    af::io::lines_codec c(4);
    std::size_t used = 0;
    EXPECT_EQ(c.decode(bytes("abcd\r\n"), used), std::optional<std::string>("abcd"));
    EXPECT_THROW((void)c.decode(bytes("abcde\n"), used), af::io::frame_error);
    af::io::lines_codec c2(4);
    EXPECT_EQ(c2.decode(bytes("abcd\r"), used), std::nullopt);  // the "\n" may still come
    EXPECT_THROW((void)c2.decode(bytes("abcd\rx"), used), af::io::frame_error);
}

// Issue 11, defect 9: `max_ + 1` wrapped to 0, so lines_codec(SIZE_MAX) refused every partial line.
TEST(lines_codec, a_maximum_of_size_max_means_no_limit) {
    af::io::lines_codec c(SIZE_MAX);
    std::string part = "a partial line";
    std::size_t used = 0;
    EXPECT_FALSE(c.decode(std::as_bytes(std::span(part)), used).has_value());
    std::string whole = part + " ends\r\n";
    auto line = c.decode(std::as_bytes(std::span(whole)), used);
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(*line, "a partial line ends");
    EXPECT_EQ(used, whole.size());
}

TEST(lines_codec, encode_appends_a_newline) {
    af::io::lines_codec c;
    std::vector<std::byte> out;
    c.encode("hi", out);
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()), "hi\n");
}

}  // namespace

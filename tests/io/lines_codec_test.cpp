// SPDX-License-Identifier: MIT
#include "af/io/lines_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "af/bytes/bytes_mut.hpp"
#include "af/io/codec.hpp"

namespace io_lines_codec_test {

namespace {

using namespace std::string_view_literals;

static_assert(af::io::codec<af::io::lines_codec>);

af::bytes_mut buf(std::string_view s) { return af::bytes_mut::copy_from(s); }

TEST(lines_codec, needs_a_newline_and_takes_the_line_from_the_buffer) {
    af::io::lines_codec c(16);
    af::bytes_mut in = buf("abc");
    EXPECT_EQ(c.decode(in), std::nullopt);
    EXPECT_EQ(in.size(), 3u);
    in.put("\r\nde"sv);
    EXPECT_EQ(c.decode(in), std::optional<std::string>("abc"));
    EXPECT_EQ(in.as_string_view(), "de");
    EXPECT_EQ(c.decode(in), std::nullopt);
    EXPECT_EQ(c.decode_eof(in), std::optional<std::string>("de"));
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(c.decode_eof(in), std::nullopt);
}

TEST(lines_codec, a_line_of_exactly_the_maximum_is_accepted_one_more_byte_is_not) {
    af::io::lines_codec c(4);
    auto a = buf("abcd\r\n");
    EXPECT_EQ(c.decode(a), std::optional<std::string>("abcd"));
    auto b = buf("abcde\n");
    EXPECT_THROW((void)c.decode(b), af::io::frame_error);
    af::io::lines_codec c2(4);
    auto d = buf("abcd\r");
    EXPECT_EQ(c2.decode(d), std::nullopt);  // the "\n" may still come
    d.put("x"sv);
    EXPECT_THROW((void)c2.decode(d), af::io::frame_error);
}

// Issue 11, defect 9: `max_ + 1` wrapped to 0, so lines_codec(SIZE_MAX) refused every partial line.
TEST(lines_codec, a_maximum_of_size_max_means_no_limit) {
    af::io::lines_codec c(SIZE_MAX);
    auto in = buf("a partial line");
    EXPECT_FALSE(c.decode(in).has_value());
    in.put(" ends\r\n"sv);
    auto line = c.decode(in);
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(*line, "a partial line ends");
    EXPECT_TRUE(in.empty());
}

TEST(lines_codec, encode_appends_a_newline) {
    af::io::lines_codec c;
    af::bytes_mut out;
    c.encode("hi", out);
    EXPECT_EQ(out.as_string_view(), "hi\n");
}

}  // namespace

}  // namespace io_lines_codec_test

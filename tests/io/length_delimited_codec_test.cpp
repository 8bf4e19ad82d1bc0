// SPDX-License-Identifier: MIT
#include "af/io/length_delimited_codec.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "af/io/codec.hpp"

namespace {

static_assert(af::io::codec<af::io::length_delimited_codec>);

TEST(length_delimited_codec, waits_for_the_header_and_the_payload) {
    af::io::length_delimited_codec c(8);
    std::size_t used = 0;
    std::vector<std::byte> in{std::byte{0}, std::byte{0}, std::byte{0}};
    EXPECT_EQ(c.decode(in, used), std::nullopt);
    in.push_back(std::byte{2});
    in.push_back(std::byte{9});
    EXPECT_EQ(c.decode(in, used), std::nullopt);
    in.push_back(std::byte{8});
    auto f = c.decode(in, used);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(*f, (std::vector<std::byte>{std::byte{9}, std::byte{8}}));
    EXPECT_EQ(used, 6u);
}

TEST(length_delimited_codec, rejects_a_header_over_the_maximum_and_a_truncated_frame_at_eof) {
    af::io::length_delimited_codec c(8);
    std::size_t used = 0;
    std::vector<std::byte> too_long{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{9}};
    EXPECT_THROW((void)c.decode(too_long, used), af::io::frame_error);
    std::vector<std::byte> cut{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{2}, std::byte{1}};
    try {
        (void)c.decode_eof(cut, used);
        FAIL() << "no exception";
    } catch (const af::io::frame_error& e) {
        EXPECT_EQ(e.code(), af::io::error::truncated_frame);
    }
}

}  // namespace

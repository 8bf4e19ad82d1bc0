// SPDX-License-Identifier: MIT
#include "af/io/length_delimited_codec.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "af/bytes/bytes.hpp"
#include "af/bytes/bytes_mut.hpp"
#include "af/io/codec.hpp"

namespace io_length_delimited_codec_test {

namespace {

using namespace std::string_view_literals;

static_assert(af::io::codec<af::io::length_delimited_codec>);

TEST(length_delimited_codec, waits_for_the_header_and_the_payload) {
    af::io::length_delimited_codec c(8);
    af::bytes_mut in;
    in.put_u8(0);
    in.put_u8(0);
    in.put_u8(0);
    EXPECT_EQ(c.decode(in), std::nullopt);
    in.put_u8(2);
    in.put_u8(9);
    EXPECT_EQ(c.decode(in), std::nullopt);
    EXPECT_EQ(in.size(), 5u);  // nothing taken while the frame is incomplete
    in.put_u8(8);
    in.put_u8(0xaa);  // the next frame's first byte
    auto f = c.decode(in);
    ASSERT_TRUE(f.has_value());
    std::array<std::byte, 2> want{std::byte{9}, std::byte{8}};
    EXPECT_EQ(*f, af::bytes::copy_from(want));
    EXPECT_EQ(in.size(), 1u);
    EXPECT_EQ(in[0], std::byte{0xaa});
}

TEST(length_delimited_codec, a_decoded_frame_is_the_receive_buffers_own_memory) {
    af::io::length_delimited_codec c;
    af::bytes_mut in;
    in.put_u32(5);
    in.put("hello"sv);
    const std::byte* payload = in.data() + 4;
    auto f = c.decode(in);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->data(), payload);
    EXPECT_EQ(f->as_string_view(), "hello");
    EXPECT_TRUE(in.empty());
}

TEST(length_delimited_codec, rejects_a_header_over_the_maximum_and_a_truncated_frame_at_eof) {
    af::io::length_delimited_codec c(8);
    af::bytes_mut too_long;
    too_long.put_u32(9);
    EXPECT_THROW((void)c.decode(too_long), af::io::frame_error);
    af::bytes_mut cut;
    cut.put_u32(2);
    cut.put_u8(1);
    try {
        (void)c.decode_eof(cut);
        FAIL() << "no exception";
    } catch (const af::io::frame_error& e) {
        EXPECT_EQ(e.code(), af::io::error::truncated_frame);
    }
}

TEST(length_delimited_codec, encode_writes_a_big_endian_length_then_the_payload) {
    af::io::length_delimited_codec c(300);
    af::bytes_mut out;
    c.encode(af::bytes::from_static("ab"sv), out);
    EXPECT_EQ(out.as_string_view(), std::string_view("\0\0\0\2ab", 6));
    EXPECT_THROW(c.encode(af::bytes::copy_from(std::string(301, 'x')), out), af::io::frame_error);
    EXPECT_EQ(out.size(), 6u);  // the refused frame wrote nothing
}

}  // namespace

}  // namespace io_length_delimited_codec_test

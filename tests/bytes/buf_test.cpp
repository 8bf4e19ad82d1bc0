// SPDX-License-Identifier: MIT
#include "af/bytes/buf.hpp"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

#include "af/bytes/bytes.hpp"
#include "af/bytes/bytes_mut.hpp"

namespace bytes_buf_test {

namespace {

using namespace std::string_view_literals;

static_assert(af::buf<af::bytes> && !af::buf_mut<af::bytes>);
static_assert(af::buf<af::chain<af::bytes, af::bytes>>);

std::string drain(af::buf auto& b) {
    std::string out;
    while (b.remaining() > 0) {
        auto c = b.chunk();
        out.append(reinterpret_cast<const char*>(c.data()), c.size());
        b.advance(c.size());
    }
    return out;
}

TEST(buf, chunks_vectored_of_a_chain_gives_each_part_without_copying) {
    auto head = af::bytes::copy_from("HTTP/1.1 200 OK\r\n\r\n"sv);
    auto body = af::bytes::from_static("hello"sv);
    auto msg = af::chain(head, body);
    EXPECT_EQ(msg.remaining(), head.size() + 5);
    std::array<std::span<const std::byte>, 4> parts;
    ASSERT_EQ(af::chunks_vectored(msg, parts), 2u);
    EXPECT_EQ(parts[0].data(), head.data());
    EXPECT_EQ(parts[1].data(), body.data());
    EXPECT_EQ(parts[1].size(), 5u);
}

TEST(buf, advance_crosses_the_seam_of_a_chain) {
    auto msg = af::chain(af::bytes::from_static("abc"sv), af::bytes::from_static("defg"sv));
    msg.advance(4);
    EXPECT_EQ(msg.remaining(), 3u);
    std::array<std::span<const std::byte>, 4> parts;
    ASSERT_EQ(af::chunks_vectored(msg, parts), 1u);
    EXPECT_EQ(parts[0].size(), 3u);
    EXPECT_THROW(msg.advance(4), std::out_of_range);
    EXPECT_EQ(drain(msg), "efg");
}

TEST(buf, nested_chains_fill_as_many_spans_as_there_is_room_for) {
    auto msg = af::chain(af::chain(af::bytes::from_static("a"sv), af::bytes::from_static("b"sv)),
                         af::chain(af::bytes::from_static("c"sv), af::bytes::from_static("d"sv)));
    std::array<std::span<const std::byte>, 3> parts;
    EXPECT_EQ(af::chunks_vectored(msg, parts), 3u);
    EXPECT_EQ(*parts[2].data(), std::byte{'c'});
    std::array<std::span<const std::byte>, 1> one;
    EXPECT_EQ(af::chunks_vectored(msg, one), 1u);
    EXPECT_EQ(drain(msg), "abcd");
}

TEST(buf, empty_parts_give_no_spans) {
    auto msg = af::chain(af::bytes(), af::bytes_mut::copy_from("x"sv));
    std::array<std::span<const std::byte>, 2> parts;
    EXPECT_EQ(af::chunks_vectored(msg, parts), 1u);
    EXPECT_EQ(parts[0].size(), 1u);
    auto none = af::chain(af::bytes(), af::bytes());
    EXPECT_EQ(af::chunks_vectored(none, parts), 0u);
}

// Any slot a span assigns to will do, e.g. af::io::io_slice (an iovec); here a look-alike.
struct iovec_like {
    const std::byte* base = nullptr;
    std::size_t len = 0;
    iovec_like& operator=(std::span<const std::byte> s) {
        base = s.data();
        len = s.size();
        return *this;
    }
    operator std::span<const std::byte>() const { return {base, len}; }
};

TEST(buf, chunks_vectored_fills_iovec_like_slots) {
    auto msg = af::chain(af::bytes::from_static("ab"sv), af::bytes::from_static("cde"sv));
    std::array<iovec_like, 4> parts;
    ASSERT_EQ(af::chunks_vectored(msg, parts), 2u);
    EXPECT_EQ(parts[0].len + parts[1].len, 5u);
}

}  // namespace

}  // namespace bytes_buf_test

// SPDX-License-Identifier: MIT
#include "af/io/lines.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/join.hpp"
#include "af/io/buf_reader.hpp"
#include "af/io/duplex.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/stream/collect.hpp"
#include "af/stream/next.hpp"
#include "af/test/wake_counter.hpp"

namespace io_lines_test {

namespace {

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

static_assert(af::stream<af::io::lines_stream<af::io::buf_reader<af::io::duplex_stream>>>);

std::vector<std::string> lines_of(std::string_view input, std::size_t pipe, std::size_t buf) {
    auto [a, b] = af::io::duplex(pipe);
    auto ls = af::io::lines(af::io::buf_reader(std::move(b), buf));
    auto writer = [&a, input]() -> af::task<> {
        co_await af::io::write_all(a, bytes(input));
        co_await af::io::shutdown(a);
    };
    auto [unit, out] = af::block_on(af::join(writer(), std::move(ls) | af::streams::collect()));
    (void)unit;
    return out;
}

using strings = std::vector<std::string>;

TEST(lines, strips_lf_and_crlf_and_yields_a_last_line_without_newline) {
    EXPECT_EQ(lines_of("one\r\ntwo\nthree", 64, 64), (strings{"one", "two", "three"}));
}

TEST(lines, gives_no_extra_line_after_a_final_newline_but_keeps_empty_lines) {
    EXPECT_EQ(lines_of("a\n\n\r\nb\n", 64, 64), (strings{"a", "", "", "b"}));
}

TEST(lines, joins_lines_split_across_tiny_reads) {
    EXPECT_EQ(lines_of("hello world\r\nsecond line\nx", 3, 2), (strings{"hello world", "second line", "x"}));
}

TEST(lines, empty_input_yields_nothing) { EXPECT_EQ(lines_of("", 8, 8), strings{}); }

TEST(lines, is_pending_mid_line_and_keeps_the_partial_line) {
    auto [a, b] = af::io::duplex(64);
    af::io::buf_reader br(b);
    auto ls = af::io::lines(br);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::block_on(af::io::write_all(a, bytes("par")));
    EXPECT_TRUE(ls.poll_next(cx).is_pending());
    af::block_on(af::io::write_all(a, bytes("tial\n")));
    EXPECT_EQ(wc.count(), 1u);
    auto p = ls.poll_next(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p->value(), "partial");
    af::block_on(af::io::shutdown(a));
    EXPECT_FALSE(ls.poll_next(cx)->has_value());
    EXPECT_FALSE(ls.poll_next(cx)->has_value());
}

}  // namespace

}  // namespace io_lines_test

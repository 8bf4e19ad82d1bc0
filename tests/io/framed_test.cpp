// SPDX-License-Identifier: MIT
#include "af/io/framed.hpp"

#include <gtest/gtest.h>

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "af/bytes/bytes.hpp"
#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/join.hpp"
#include "af/io/duplex.hpp"
#include "af/io/length_delimited_codec.hpp"
#include "af/io/lines_codec.hpp"
#include "af/io/read.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/future/poll_fn.hpp"
#include "af/stream/by_ref.hpp"
#include "af/stream/collect.hpp"
#include "af/stream/next.hpp"
#include "af/test/wake_counter.hpp"

#if __has_include("af/sink/sink.hpp")
#include "af/sink/sink.hpp"
#define AF_IO_TEST_HAVE_SINK 1
#endif

namespace io_framed_test {

namespace {

using namespace std::string_view_literals;
using af::io::duplex_stream;
using af::io::framed;
using af::io::length_delimited_codec;
using af::io::lines_codec;
using bytes_t = af::bytes;

bytes_t filled(std::size_t n, std::byte v = std::byte{0}) { return af::bytes::copy_from(std::vector<std::byte>(n, v)); }

// The sink shape, spelled here so the test does not depend on the sink module's progress.
template <class S, class T>
concept sink_shape = requires(S& s, af::context& cx, T&& v) {
    { s.poll_ready(cx) } -> std::same_as<af::poll<void>>;
    { s.start_send(std::forward<T>(v)) } -> std::same_as<void>;
    { s.poll_flush(cx) } -> std::same_as<af::poll<void>>;
    { s.poll_close(cx) } -> std::same_as<af::poll<void>>;
};

using lines_framed = framed<duplex_stream, lines_codec>;
using ld_framed = framed<duplex_stream, length_delimited_codec>;
static_assert(af::stream<lines_framed> && sink_shape<lines_framed, std::string>);
static_assert(af::stream<ld_framed> && sink_shape<ld_framed, bytes_t>);
#ifdef AF_IO_TEST_HAVE_SINK
static_assert(af::sink<lines_framed, std::string> && af::sink<ld_framed, bytes_t>);
#endif

std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// Sends every frame through the sink members, then closes: what af::send_all would do.
template <class S, class F>
af::task<> send_all_then_close(S& s, std::vector<F> frames) {
    for (auto& f : frames) {
        co_await af::poll_fn([&](af::context& cx) { return s.poll_ready(cx); });
        s.start_send(std::move(f));
    }
    co_await af::poll_fn([&](af::context& cx) { return s.poll_close(cx); });
}

template <class C>
std::vector<typename C::frame> round_trip(std::vector<typename C::frame> frames, C codec, std::size_t pipe) {
    auto [a, b] = af::io::duplex(pipe);
    framed tx(std::move(a), codec);
    framed rx(std::move(b), codec);
    auto [unit, got] = af::block_on(af::join(send_all_then_close(tx, frames), af::streams::by_ref(rx) | af::streams::collect()));
    (void)unit;
    return got;
}

TEST(framed, lines_round_trip_through_a_tiny_pipe) {
    std::vector<std::string> lines{"hello", "", "a longer line with spaces", "last"};
    EXPECT_EQ(round_trip(lines, lines_codec(100), 5), lines);
}

TEST(framed, length_delimited_round_trip_keeps_binary_and_empty_frames) {
    std::vector<bytes_t> frames;
    frames.push_back({});
    std::array<std::byte, 3> binary{std::byte{0}, std::byte{'\n'}, std::byte{0xff}};
    frames.push_back(af::bytes::copy_from(binary));
    frames.push_back(filled(20000, std::byte{7}));
    EXPECT_EQ(round_trip(frames, length_delimited_codec(1 << 16), 64), frames);
}

TEST(framed, writes_the_length_as_big_endian_u32) {
    auto [a, b] = af::io::duplex(512);  // room for the whole frame: nobody reads during the send
    framed tx(a, length_delimited_codec());
    af::block_on(send_all_then_close(tx, std::vector<bytes_t>{filled(258, std::byte{1})}));
    std::array<std::byte, 4> head{};
    EXPECT_EQ(af::block_on(af::io::read(b, head)), 4u);
    EXPECT_EQ(head, (std::array<std::byte, 4>{std::byte{0}, std::byte{0}, std::byte{1}, std::byte{2}}));
}

TEST(framed, rejects_an_oversized_length_prefix_before_reading_the_payload) {
    auto [a, b] = af::io::duplex(64);
    framed rx(std::move(b), length_delimited_codec(1024));
    // Announces 4 GiB - 1; only the header is ever sent.
    std::array<std::byte, 4> head{std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}};
    af::block_on(af::io::write_all(a, head));
    try {
        (void)af::block_on(af::next(rx));
        FAIL() << "no exception";
    } catch (const af::io::frame_error& e) {
        EXPECT_EQ(e.code(), af::io::error::frame_too_long);
        EXPECT_NE(std::string(e.what()).find("frame of 4294967295 bytes is over the maximum of 1024"), std::string::npos)
            << e.what();
    }
    EXPECT_LE(rx.read_buffer().size(), 4u);
}

TEST(framed, rejects_an_endless_line_once_it_passes_the_maximum_without_waiting_for_a_newline) {
    auto [a, b] = af::io::duplex(64);
    framed rx(std::move(b), lines_codec(10));
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::block_on(af::io::write_all(a, as_bytes("0123456789")));
    EXPECT_TRUE(rx.poll_next(cx).is_pending());  // 10 bytes: could still be a valid line
    af::block_on(af::io::write_all(a, as_bytes("ab")));
    EXPECT_THROW((void)rx.poll_next(cx), af::io::frame_error);
}

TEST(framed, sending_an_oversized_frame_throws_and_writes_nothing) {
    auto [a, b] = af::io::duplex(64);
    framed tx(a, length_delimited_codec(8));
    EXPECT_THROW(tx.start_send(filled(9)), af::io::frame_error);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    ASSERT_TRUE(tx.poll_flush(cx).is_ready());
    std::array<std::byte, 4> buf{};
    EXPECT_TRUE(b.poll_read(cx, buf).is_pending());
}

TEST(framed, a_stream_ending_inside_a_frame_is_a_truncated_frame_error) {
    auto [a, b] = af::io::duplex(64);
    framed rx(std::move(b), length_delimited_codec());
    std::array<std::byte, 6> partial{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{5}, std::byte{1}, std::byte{2}};
    af::block_on(af::io::write_all(a, partial));
    af::block_on(af::io::shutdown(a));
    try {
        (void)af::block_on(af::next(rx));
        FAIL() << "no exception";
    } catch (const af::io::frame_error& e) {
        EXPECT_EQ(e.code(), af::io::error::truncated_frame);
    }
}

TEST(framed, a_final_line_without_newline_is_yielded_then_the_stream_ends) {
    auto [a, b] = af::io::duplex(64);
    framed rx(std::move(b), lines_codec());
    af::block_on(af::io::write_all(a, as_bytes("one\r\ntwo")));
    af::block_on(af::io::shutdown(a));
    EXPECT_EQ(af::block_on(af::next(rx)), std::optional<std::string>("one"));
    EXPECT_EQ(af::block_on(af::next(rx)), std::optional<std::string>("two"));
    EXPECT_EQ(af::block_on(af::next(rx)), std::nullopt);
    EXPECT_EQ(af::block_on(af::next(rx)), std::nullopt);
}

TEST(framed, poll_ready_applies_backpressure_when_the_write_buffer_is_full) {
    auto [a, b] = af::io::duplex(16);
    framed tx(a, length_delimited_codec());
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    ASSERT_TRUE(tx.poll_ready(cx).is_ready());
    tx.start_send(filled(10000));
    EXPECT_TRUE(tx.poll_ready(cx).is_pending());  // 10004 bytes buffered, the pipe takes 16
    std::array<std::byte, 16> buf{};
    EXPECT_EQ(af::block_on(af::io::read(b, buf)), 16u);
    EXPECT_EQ(wc.count(), 1u);
}

TEST(framed, length_delimited_frames_are_pieces_of_the_read_buffer_not_copies) {
    auto [a, b] = af::io::duplex(64);
    framed rx(std::move(b), length_delimited_codec());
    af::bytes_mut wire;
    wire.put_u32(3);
    wire.put("one"sv);
    wire.put_u32(3);
    wire.put("two"sv);
    af::block_on(af::io::write_all(a, wire.as_span()));
    auto one = af::block_on(af::next(rx));
    auto two = af::block_on(af::next(rx));
    ASSERT_TRUE(one && two);
    EXPECT_EQ(one->as_string_view(), "one");
    EXPECT_EQ(two->data(), one->data() + 3 + 4);  // one read, one block: the next frame follows
}

TEST(framed, the_read_buffer_is_reused_once_the_frames_are_dropped) {
    auto [a, b] = af::io::duplex(64);
    framed rx(std::move(b), length_delimited_codec());
    auto send = [&](std::string_view payload) {
        af::bytes_mut wire;
        wire.put_u32(static_cast<std::uint32_t>(payload.size()));
        wire.put(payload);
        af::block_on(af::io::write_all(a, wire.as_span()));
    };
    send("first");
    auto first = af::block_on(af::next(rx));
    ASSERT_TRUE(first);
    const std::byte* where = first->data();
    first.reset();
    // The frame is gone: the next read moves the buffer back to its block's start, and the
    // next frame lands where the first one was instead of in a new allocation.
    send("again");
    auto again = af::block_on(af::next(rx));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->as_string_view(), "again");
    EXPECT_EQ(again->data(), where);
    // A frame still held keeps its bytes: the buffer goes elsewhere rather than overwrite them.
    send("other");
    auto other = af::block_on(af::next(rx));
    ASSERT_TRUE(other);
    EXPECT_EQ(again->as_string_view(), "again");
    EXPECT_EQ(other->as_string_view(), "other");
}

}  // namespace

}  // namespace io_framed_test

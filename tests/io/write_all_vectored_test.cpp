// SPDX-License-Identifier: MIT
// write_all_vectored, io_slice::advance_slices, the poll_write_vectored customization and the
// adaptors that forward vectored writes (buf_writer, split, duplex).
#include "af/io/write_all_vectored.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/io/buf_writer.hpp"
#include "af/io/duplex.hpp"
#include "af/io/flush.hpp"
#include "af/io/io_slice.hpp"
#include "af/io/read_exact.hpp"
#include "af/io/split.hpp"
#include "af/io/write_all.hpp"
#include "af/test/wake_counter.hpp"

namespace io_write_all_vectored_test {

namespace {

using af::io::io_slice;

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::string text(const std::vector<std::byte>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size());
}

// A vectored writer that accepts at most `limit` bytes per call (across slices), is pending
// (and wakes itself) before every call when `pend` is set, and records each call's slices.
struct short_vectored_writer {
    explicit short_vectored_writer(std::size_t l, bool p = false) : limit(l), pend(p) {}
    std::size_t limit;
    bool pend;
    bool accept_nothing = false;
    bool paused = false;
    std::vector<std::byte> out;
    std::vector<std::vector<std::string>> calls;  // the slices of each vectored call
    int plain_writes = 0;

    af::poll<std::size_t> poll_write_vectored(af::context& cx, std::span<const io_slice> s) {
        if (pend && !paused) {
            paused = true;
            cx.waker().wake_by_ref();
            return af::pending;
        }
        paused = false;
        std::vector<std::string> call;
        for (const io_slice& x : s) call.emplace_back(reinterpret_cast<const char*>(x.data()), x.size());
        calls.push_back(call);
        if (accept_nothing) return std::size_t{0};
        std::size_t n = 0;
        for (const io_slice& x : s) {
            for (std::byte b : x.bytes()) {
                if (n == limit) return n;
                out.push_back(b);
                ++n;
            }
        }
        return n;
    }
    bool is_write_vectored() const noexcept { return true; }
    af::poll<std::size_t> poll_write(af::context&, std::span<const std::byte> b) {
        ++plain_writes;
        std::size_t n = std::min(b.size(), limit);
        out.insert(out.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
    }
    af::poll<void> poll_flush(af::context&) { return {}; }
    af::poll<void> poll_shutdown(af::context&) { return {}; }
};

// A writer without vectored members: each call writes at most `limit` bytes of one buffer.
struct plain_writer {
    explicit plain_writer(std::size_t l) : limit(l) {}
    std::size_t limit;
    std::vector<std::byte> out;
    std::vector<std::size_t> sizes;  // each call's buffer size
    af::poll<std::size_t> poll_write(af::context&, std::span<const std::byte> b) {
        sizes.push_back(b.size());
        std::size_t n = std::min(b.size(), limit);
        out.insert(out.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
    }
    af::poll<void> poll_flush(af::context&) { return {}; }
    af::poll<void> poll_shutdown(af::context&) { return {}; }
};

static_assert(af::io::async_write_vectored<short_vectored_writer>);
static_assert(!af::io::async_write_vectored<plain_writer>);
static_assert(af::io::async_write_vectored<af::io::duplex_stream>);
static_assert(af::io::async_write_vectored<af::io::buf_writer<plain_writer&>>);
static_assert(af::io::async_write_vectored<af::io::write_half<af::io::duplex_stream>>);

TEST(io_slice, advance_slices_drops_written_slices_and_moves_into_the_next) {
    std::string a = "abc", b = "", c = "defg";
    std::array<io_slice, 3> arr{io_slice(bytes(a)), io_slice(bytes(b)), io_slice(bytes(c))};
    std::span<io_slice> s(arr);
    io_slice::advance_slices(s, 2);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].size(), 1u);
    EXPECT_EQ(static_cast<char>(s[0].data()[0]), 'c');
    io_slice::advance_slices(s, 1);  // "c" done: the empty slice after it goes too
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].size(), 4u);
    io_slice::advance_slices(s, 4);
    EXPECT_TRUE(s.empty());
}

TEST(io_slice, advance_slices_by_zero_drops_leading_empty_slices_only) {
    std::string a = "", b = "x", c = "";
    std::array<io_slice, 3> arr{io_slice(bytes(a)), io_slice(bytes(b)), io_slice(bytes(c))};
    std::span<io_slice> s(arr);
    io_slice::advance_slices(s, 0);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].size(), 1u);
}

TEST(io_slice, is_laid_out_as_an_iovec) {
    std::string a = "hello";
    io_slice s(bytes(a));
    const ::iovec* v = af::io::as_iovecs(std::span<const io_slice>(&s, 1));
    EXPECT_EQ(v->iov_base, static_cast<const void*>(a.data()));
    EXPECT_EQ(v->iov_len, 5u);
}

TEST(write_all_vectored, short_writes_advance_through_the_slices_in_order) {
    std::string a = "hello ", b = "vectored ", c = "world";
    std::array<io_slice, 3> arr{io_slice(bytes(a)), io_slice(bytes(b)), io_slice(bytes(c))};
    short_vectored_writer w{4};
    af::block_on(af::io::write_all_vectored(w, arr));
    EXPECT_EQ(text(w.out), "hello vectored world");
    ASSERT_EQ(w.calls.size(), 5u);  // 20 bytes, 4 per call
    EXPECT_EQ(w.calls[0], (std::vector<std::string>{"hello ", "vectored ", "world"}));
    EXPECT_EQ(w.calls[1], (std::vector<std::string>{"o ", "vectored ", "world"}));
    EXPECT_EQ(w.calls[2], (std::vector<std::string>{"ctored ", "world"}));
    EXPECT_EQ(w.calls[3], (std::vector<std::string>{"ed ", "world"}));
    EXPECT_EQ(w.calls[4], (std::vector<std::string>{"orld"}));
    EXPECT_EQ(w.plain_writes, 0);
}

TEST(write_all_vectored, a_pending_writer_is_polled_again_from_where_it_stopped) {
    std::string a = "abcdef", b = "ghij";
    std::array<io_slice, 2> arr{io_slice(bytes(a)), io_slice(bytes(b))};
    short_vectored_writer w{3, true};
    auto f = af::io::write_all_vectored(w, arr);
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_TRUE(w.calls.empty());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_pending());  // wrote "abc", then pending again
    EXPECT_EQ(text(w.out), "abc");
    while (f.poll(cx).is_pending()) {
    }
    EXPECT_EQ(text(w.out), "abcdefghij");
}

TEST(write_all_vectored, empty_slices_are_skipped_and_all_empty_writes_nothing) {
    std::string e, a = "ab", b = "cd";
    std::array<io_slice, 5> arr{io_slice(bytes(e)), io_slice(bytes(a)), io_slice(bytes(e)), io_slice(bytes(b)),
                                io_slice(bytes(e))};
    short_vectored_writer w{2};
    af::block_on(af::io::write_all_vectored(w, arr));
    EXPECT_EQ(text(w.out), "abcd");
    ASSERT_EQ(w.calls.size(), 2u);
    EXPECT_EQ(w.calls[0].front(), "ab");  // the leading empty slice was not passed on
    EXPECT_EQ(w.calls[1], (std::vector<std::string>{"cd", ""}));

    std::array<io_slice, 3> empties{io_slice(bytes(e)), io_slice(), io_slice(bytes(e))};
    short_vectored_writer w2{2};
    af::block_on(af::io::write_all_vectored(w2, empties));
    EXPECT_TRUE(w2.calls.empty());
    af::block_on(af::io::write_all_vectored(w2, std::span<io_slice>()));
    EXPECT_TRUE(w2.calls.empty());
}

TEST(write_all_vectored, a_writer_that_accepts_nothing_throws_write_zero) {
    std::string a = "abc";
    std::array<io_slice, 1> arr{io_slice(bytes(a))};
    short_vectored_writer w{8};
    w.accept_nothing = true;
    try {
        af::block_on(af::io::write_all_vectored(w, arr));
        FAIL() << "no exception";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), af::io::error::write_zero);
    }
}

TEST(write_all_vectored, a_writer_without_vectored_writes_gets_one_slice_per_write) {
    std::string e, a = "abc", b = "defgh";
    std::array<io_slice, 3> arr{io_slice(bytes(a)), io_slice(bytes(e)), io_slice(bytes(b))};
    plain_writer w{4};
    EXPECT_FALSE(af::io::is_write_vectored(w));
    af::block_on(af::io::write_all_vectored(w, arr));
    EXPECT_EQ(text(w.out), "abcdefgh");
    EXPECT_EQ(w.sizes, (std::vector<std::size_t>{3, 5, 1}));
}

TEST(poll_write_vectored, falls_back_to_the_first_non_empty_slice) {
    std::string e, a = "xy", b = "z";
    std::array<io_slice, 3> arr{io_slice(bytes(e)), io_slice(bytes(a)), io_slice(bytes(b))};
    plain_writer w{8};
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_EQ(*af::io::poll_write_vectored(w, cx, std::span<const io_slice>(arr)), 2u);
    EXPECT_EQ(text(w.out), "xy");
    std::array<io_slice, 1> none{io_slice(bytes(e))};
    EXPECT_EQ(*af::io::poll_write_vectored(w, cx, std::span<const io_slice>(none)), 0u);
}

TEST(buf_writer_vectored, a_large_write_goes_out_with_the_buffered_bytes_in_one_vectored_write) {
    short_vectored_writer w{1000};
    af::io::buf_writer<short_vectored_writer&> bw(w, 8);
    EXPECT_TRUE(af::io::is_write_vectored(bw));
    af::block_on(af::io::write_all(bw, bytes("head")));
    EXPECT_TRUE(w.calls.empty());
    af::block_on(af::io::write_all(bw, bytes("a large body")));
    ASSERT_EQ(w.calls.size(), 1u);
    EXPECT_EQ(w.calls[0], (std::vector<std::string>{"head", "a large body"}));
    EXPECT_TRUE(bw.buffer().empty());
    EXPECT_EQ(text(w.out), "heada large body");
}

TEST(buf_writer_vectored, a_short_write_of_the_pair_reports_only_new_bytes) {
    short_vectored_writer w{3};
    af::io::buf_writer<short_vectored_writer&> bw(w, 8);
    af::block_on(af::io::write_all(bw, bytes("head")));
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    // 3 of "head", then 1 more of it and 2 of the new bytes.
    EXPECT_EQ(*bw.poll_write(cx, bytes("0123456789")), 2u);
    ASSERT_EQ(w.calls.size(), 2u);
    EXPECT_EQ(w.calls[1], (std::vector<std::string>{"d", "0123456789"}));
    EXPECT_TRUE(bw.buffer().empty());
    af::block_on(af::io::write_all(bw, bytes("23456789")));
    af::block_on(af::io::flush(bw));
    EXPECT_EQ(text(w.out), "head0123456789");
}

TEST(buf_writer_vectored, small_slices_are_gathered_into_the_buffer) {
    plain_writer w{100};
    af::io::buf_writer<plain_writer&> bw(w, 16);
    std::string a = "ab", b = "cde", c = "f";
    std::array<io_slice, 3> arr{io_slice(bytes(a)), io_slice(bytes(b)), io_slice(bytes(c))};
    af::block_on(af::io::write_all_vectored(bw, arr));
    EXPECT_TRUE(w.sizes.empty());
    af::block_on(af::io::flush(bw));
    EXPECT_EQ(w.sizes, (std::vector<std::size_t>{6}));
    EXPECT_EQ(text(w.out), "abcdef");
}

TEST(duplex_vectored, copies_as_many_slices_as_fit_and_split_halves_forward) {
    auto [a, b] = af::io::duplex(5);
    auto [rd, wr] = af::io::split(std::move(a));
    EXPECT_TRUE(af::io::is_write_vectored(wr));
    std::string x = "abc", y = "defg";
    std::array<io_slice, 2> arr{io_slice(bytes(x)), io_slice(bytes(y))};
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_EQ(*af::io::poll_write_vectored(wr, cx, std::span<const io_slice>(arr)), 5u);
    std::array<std::byte, 5> got{};
    af::block_on(af::io::read_exact(b, got));
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(got.data()), 5), "abcde");
}

}  // namespace

}  // namespace io_write_all_vectored_test

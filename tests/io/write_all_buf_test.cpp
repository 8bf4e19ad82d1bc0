// SPDX-License-Identifier: MIT
// write_all_buf: every byte of an af::buf written once, in order, with vectored writes; the buf
// says what is left after a short round, a drop or an error.
#include "af/io/write_all_buf.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "af/bytes.hpp"
#include "af/executor/block_on.hpp"
#include "af/io/io_slice.hpp"
#include "af/test/wake_counter.hpp"

namespace io_write_all_buf_test {

namespace {

using af::io::io_slice;

// Accepts at most `limit` bytes per call; counts vectored calls and how many slices each had.
struct limited_writer {
    std::size_t limit = 1 << 20;
    bool accept_nothing = false;
    bool pend_once = false;
    bool pend_after_first = false;  // pending (woken) on every call after the first
    std::string out;
    std::vector<std::size_t> slices_per_call;

    af::poll<std::size_t> poll_write_vectored(af::context& cx, std::span<const io_slice> s) {
        if (pend_once || (pend_after_first && !slices_per_call.empty())) {
            pend_once = false;
            cx.waker().wake_by_ref();
            return af::pending;
        }
        slices_per_call.push_back(s.size());
        if (accept_nothing) return std::size_t{0};
        std::size_t n = 0;
        for (const io_slice& x : s) {
            for (std::byte b : x.bytes()) {
                if (n == limit) return n;
                out.push_back(static_cast<char>(b));
                ++n;
            }
        }
        return n;
    }
    af::poll<std::size_t> poll_write(af::context& cx, std::span<const std::byte> b) {
        io_slice one(b);
        return poll_write_vectored(cx, std::span<const io_slice>(&one, 1));
    }
    bool is_write_vectored() const noexcept { return true; }
    af::poll<void> poll_flush(af::context&) { return {}; }
    af::poll<void> poll_shutdown(af::context&) { return {}; }
};

// A writer without vectored writes: write_all_buf falls back to one chunk per call.
struct plain_writer {
    std::string out;
    int calls = 0;
    af::poll<std::size_t> poll_write(af::context&, std::span<const std::byte> b) {
        ++calls;
        out.append(reinterpret_cast<const char*>(b.data()), b.size());
        return b.size();
    }
    af::poll<void> poll_flush(af::context&) { return {}; }
    af::poll<void> poll_shutdown(af::context&) { return {}; }
};

af::bytes text(std::string_view s) { return af::bytes::copy_from(s); }

TEST(write_all_buf, a_head_and_body_chain_goes_out_in_one_vectored_call) {
    limited_writer w;
    auto msg = af::chain(text("HTTP/1.1 200 OK\r\n\r\n"), af::chain(text("hello "), text("world")));
    af::block_on(af::io::write_all_buf(w, msg));
    EXPECT_EQ(w.out, "HTTP/1.1 200 OK\r\n\r\nhello world");
    ASSERT_EQ(w.slices_per_call.size(), 1u);
    EXPECT_EQ(w.slices_per_call[0], 3u);
    EXPECT_EQ(msg.remaining(), 0u);
}

TEST(write_all_buf, short_writes_resume_where_the_writer_stopped) {
    limited_writer w;
    w.limit = 4;
    auto msg = af::chain(text("abcdef"), text("ghijklm"));
    af::block_on(af::io::write_all_buf(w, msg));
    EXPECT_EQ(w.out, "abcdefghijklm");
    EXPECT_EQ(w.slices_per_call.size(), 4u);  // 4 + 4 + 4 + 1
}

// A buf of many separate chunks, filling as many slices as it is given.
struct many_chunks {
    std::vector<af::bytes> parts;
    std::size_t first = 0;
    std::size_t remaining() const noexcept {
        std::size_t n = 0;
        for (std::size_t i = first; i < parts.size(); ++i) n += parts[i].size();
        return n;
    }
    std::span<const std::byte> chunk() const noexcept {
        return first < parts.size() ? parts[first].as_span() : std::span<const std::byte>();
    }
    void advance(std::size_t n) {
        while (n > 0) {
            std::size_t k = std::min(n, parts[first].size());
            parts[first].advance(k);
            n -= k;
            if (parts[first].empty()) ++first;
        }
    }
    std::size_t chunks_vectored(std::span<io_slice> dst) const noexcept {
        std::size_t k = 0;
        for (std::size_t i = first; i < parts.size() && k < dst.size(); ++i) dst[k++] = io_slice(parts[i].as_span());
        return k;
    }
};

TEST(write_all_buf, more_chunks_than_one_round_takes_are_written_in_several_rounds) {
    limited_writer w;
    many_chunks b;
    std::string want;
    for (int i = 0; i < 40; ++i) {
        std::string p = std::to_string(i) + ",";
        want += p;
        b.parts.push_back(text(p));
    }
    af::block_on(af::io::write_all_buf(w, b));
    EXPECT_EQ(w.out, want);
    EXPECT_EQ(w.slices_per_call, (std::vector<std::size_t>{16, 16, 8}));
    EXPECT_EQ(b.remaining(), 0u);
}

TEST(write_all_buf, a_writer_without_vectored_writes_gets_one_chunk_per_call) {
    plain_writer w;
    auto msg = af::chain(text("ab"), text("cd"));
    af::block_on(af::io::write_all_buf(w, msg));
    EXPECT_EQ(w.out, "abcd");
    EXPECT_EQ(w.calls, 2);
}

TEST(write_all_buf, a_writer_that_accepts_nothing_is_write_zero_and_the_buf_keeps_its_bytes) {
    limited_writer w;
    w.accept_nothing = true;
    af::bytes b = text("payload");
    try {
        af::block_on(af::io::write_all_buf(w, b));
        ADD_FAILURE() << "no error";
    } catch (const af::error& e) {
        EXPECT_EQ(e.code(), af::io::error::write_zero);
    }
    EXPECT_EQ(b.size(), 7u);
}

TEST(write_all_buf, a_dropped_write_leaves_exactly_the_unwritten_bytes_in_the_buf) {
    limited_writer w;
    w.limit = 3;
    w.pend_after_first = true;
    af::bytes b = text("0123456789");
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    {
        auto f = af::io::write_all_buf(w, b);
        EXPECT_TRUE(f.poll(cx).is_pending());  // 3 bytes, then the writer has no room
    }
    EXPECT_EQ(w.out, "012");
    EXPECT_EQ(b.as_string_view(), "3456789");  // a retry sends exactly the rest
    w.pend_after_first = false;
    af::block_on(af::io::write_all_buf(w, b));
    EXPECT_EQ(w.out, "0123456789");
}

}  // namespace

}  // namespace io_write_all_buf_test

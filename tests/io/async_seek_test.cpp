// SPDX-License-Identifier: MIT
#include "af/io/async_seek.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <system_error>

#include "af/io/async_read.hpp"
#include "af/test/wake_counter.hpp"

namespace io_async_seek_test {

namespace {

// A seekable object written against the contract in the header.
struct memory_file {
    std::uint64_t pos = 0;
    std::uint64_t size = 100;
    af::poll<std::uint64_t> poll_seek(af::context&, std::int64_t off, af::io::seek_from from) {
        std::int64_t base = from == af::io::seek_from::start     ? 0
                            : from == af::io::seek_from::current ? static_cast<std::int64_t>(pos)
                                                                 : static_cast<std::int64_t>(size);
        if (base + off < 0) throw std::system_error(std::make_error_code(std::errc::invalid_argument), "seek");
        pos = static_cast<std::uint64_t>(base + off);
        return pos;
    }
};

static_assert(af::io::async_seek<memory_file>);
static_assert(!af::io::async_read<memory_file>);

struct wrong_result {
    af::poll<std::int64_t> poll_seek(af::context&, std::int64_t, af::io::seek_from);
};
static_assert(!af::io::async_seek<wrong_result>);

TEST(async_seek, positions_count_from_start_current_and_end) {
    memory_file f;
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_EQ(*f.poll_seek(cx, 10, af::io::seek_from::start), 10u);
    EXPECT_EQ(*f.poll_seek(cx, 5, af::io::seek_from::current), 15u);
    EXPECT_EQ(*f.poll_seek(cx, -1, af::io::seek_from::end), 99u);
    EXPECT_THROW((void)f.poll_seek(cx, -1, af::io::seek_from::start), std::system_error);
}

}  // namespace

}  // namespace io_async_seek_test

// SPDX-License-Identifier: MIT
#include "af/io/split.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/io/duplex.hpp"
#include "af/io/read.hpp"
#include "af/io/read_to_end.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/test/wake_counter.hpp"

namespace io_split_test {

namespace {

using halves = decltype(af::io::split(std::declval<af::io::duplex_stream>()));
static_assert(af::io::async_read<halves::first_type>);
static_assert(af::io::async_write<halves::second_type>);

std::vector<std::byte> pattern(std::size_t n, std::uint32_t seed) {
    std::vector<std::byte> v(n);
    for (auto& b : v) {
        seed = seed * 1103515245u + 12345u;
        b = static_cast<std::byte>(seed >> 16);
    }
    return v;
}

TEST(split, a_pending_read_on_one_half_does_not_block_writes_on_the_other) {
    auto [a, b] = af::io::duplex(16);
    auto [rd, wr] = af::io::split(std::move(a));
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    std::array<std::byte, 4> buf{};
    EXPECT_TRUE(rd.poll_read(cx, buf).is_pending());
    auto msg = std::as_bytes(std::span("hey", 3));
    EXPECT_EQ(*wr.poll_write(cx, msg), 3u);
    EXPECT_EQ(*b.poll_read(cx, buf), 3u);
    EXPECT_EQ(*b.poll_write(cx, msg), 3u);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(*rd.poll_read(cx, buf), 3u);
    ASSERT_TRUE(wr.poll_shutdown(cx).is_ready());
    EXPECT_EQ(*b.poll_read(cx, buf), 0u);
}

TEST(split, halves_read_and_write_from_two_tasks_on_a_thread_pool) {
    // An echo peer: everything written to `a` comes back through `b`. The halves of `a` run
    // in two pool tasks at once; TSan checks the shared state.
    auto [a, b] = af::io::duplex(64);
    auto [rd, wr] = af::io::split(std::move(a));
    auto data = pattern(200000, 7);
    std::vector<std::byte> echoed;
    {
        af::executor::thread_pool pool(2);
        auto echo = pool.spawn([&b]() -> af::task<> {
            std::array<std::byte, 128> buf{};
            for (;;) {
                std::size_t n = co_await af::io::read(b, buf);
                if (n == 0) break;
                co_await af::io::write_all(b, std::span<const std::byte>(buf.data(), n));
            }
            co_await af::io::shutdown(b);
        });
        // Callables, not called lambdas: spawn keeps the closure (and its captures) alive.
        auto writer = pool.spawn([&data, w = std::move(wr)]() mutable -> af::task<> {
            co_await af::io::write_all(w, data);
            co_await af::io::shutdown(w);
        });
        auto reader = pool.spawn([&echoed, r = std::move(rd)]() mutable -> af::task<std::size_t> {
            co_return co_await af::io::read_to_end(r, echoed);
        });
        af::block_on(std::move(writer));
        EXPECT_EQ(af::block_on(std::move(reader)), data.size());
        af::block_on(std::move(echo));
    }
    EXPECT_EQ(echoed, data);
}

}  // namespace

}  // namespace io_split_test

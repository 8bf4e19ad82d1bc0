// SPDX-License-Identifier: MIT
// Regression for issue 11, defect 1: after a send whose move throws, the mpsc block queue's tail
// stayed on the block holding the skipped slot, so every later push walked from it and no block
// was freed again. Sends across many blocks with throwing moves at block edges must arrive in
// order, and the queue must keep a bounded number of blocks (counted, not timed).
#include "af/channel/mpsc.hpp"

#include <gtest/gtest.h>

#include <stdexcept>  // the throwing move

#include "af/channel/detail/mpsc_block_queue.hpp"
#include "af/test/wake_counter.hpp"
#include "channel/throwing_move.hpp"

namespace channel_mpsc_skip_test {

namespace {

namespace mpsc = af::channel::mpsc;


using queue = af::detail::mpsc_block_queue<throwing_move>;
constexpr int cap = static_cast<int>(queue::block_cap);

TEST(mpsc_skip, values_around_skipped_slots_at_block_edges_arrive_in_order) {
    auto [tx, rx] = mpsc::unbounded<throwing_move>();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    int expected = 0, skipped = 0;
    // Skips at a block's first slot, its last slot and both; the receiver drains every 3 blocks.
    for (int i = 0; i < 100 * cap; ++i) {
        const int off = i % cap;
        const bool skip = (off == 0 && (i / cap) % 2 == 0) || off == cap - 1;
        if (skip) {
            EXPECT_THROW((void)tx.try_send(throwing_move(i, true)), std::runtime_error);
            ++skipped;
        } else {
            ASSERT_TRUE(tx.try_send(throwing_move(i)).is_sent());
        }
        if (i % (3 * cap) == 3 * cap - 1 || i == 100 * cap - 1) {
            for (;;) {
                af::poll<std::optional<throwing_move>> p = rx.poll_next(cx);
                if (p.is_pending()) break;
                ASSERT_TRUE(p.value().has_value());
                while (expected % cap == cap - 1 || (expected % cap == 0 && (expected / cap) % 2 == 0))
                    ++expected;  // the skipped indices
                EXPECT_EQ(p.value()->v, expected);
                ++expected;
            }
        }
    }
    EXPECT_GT(skipped, 100);
}

TEST(mpsc_skip, the_tail_leaves_a_block_with_a_skipped_slot_and_blocks_are_reused) {
    queue q;
    std::size_t consumed = 0;
    EXPECT_THROW(q.push(throwing_move(0, true)), std::runtime_error);  // slot 0 skipped
    // 200,000 sends and receives after the skip (the measurement, which took 1.3 s).
    for (int i = 1; i <= 200000; ++i) {
        q.push(throwing_move(i));
        std::optional<throwing_move> v = q.pop(consumed);
        ASSERT_TRUE(v.has_value());
        ASSERT_EQ(v->v, i);
    }
    EXPECT_EQ(consumed, 200001u);
    // The consumer recycles every block it finished, so the list holds the current block and at
    // most the one being left; before the fix it held all 6,250 (none was ever released).
    EXPECT_LE(q.blocks(), 2u);
    const std::size_t next = 200001;
    EXPECT_EQ(q.tail_start(), (next - 1) & ~(queue::block_cap - 1));
}

TEST(mpsc_skip, skips_on_both_edges_of_many_blocks_keep_the_block_count_bounded) {
    queue q;
    std::size_t consumed = 0;
    int next = 0;
    for (int b = 0; b < 1000; ++b) {
        for (int off = 0; off < cap; ++off) {
            const int i = b * cap + off;
            if (off == 0 || off == cap - 1) EXPECT_THROW(q.push(throwing_move(i, true)), std::runtime_error);
            else q.push(throwing_move(i));
        }
        while (std::optional<throwing_move> v = q.pop(consumed)) {
            while (next % cap == 0 || next % cap == cap - 1) ++next;
            ASSERT_EQ(v->v, next);
            ++next;
        }
        ASSERT_LE(q.blocks(), 3u) << "after block " << b;
    }
    EXPECT_EQ(consumed, 1000u * cap);
}

}  // namespace

}  // namespace channel_mpsc_skip_test

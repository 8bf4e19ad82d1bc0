// SPDX-License-Identifier: MIT
// af::streams::merge under a flood (issue 21): a side that is always ready cannot starve the
// other. merge alternates the side it polls first, so it needed no change; this pins it down.
#include "af/stream/merge.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "af/stream/repeat.hpp"
#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_merge_test {

TEST(merge, a_flooded_side_lets_the_other_through_within_two_polls) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<int> quiet;
    auto s = af::streams::repeat(1) | af::streams::merge(quiet.get());
    for (int round = 0; round < 100; ++round) {
        for (int k = 0; k < 7; ++k) EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(1));
        quiet.push(2);
        int polls = 0;
        std::optional<int> v;
        do {
            v = s.poll_next(cx).value();
            ++polls;
        } while (v != 2 && polls < 10);
        EXPECT_LE(polls, 2) << "the quiet side's item waited behind the flood";
    }
}

}  // namespace stream_merge_test

// SPDX-License-Identifier: MIT
// af::fuse: pending for ever after completion, and the inner future is gone.
#include "af/future/fuse.hpp"

#include <gtest/gtest.h>

#include "af/core/task.hpp"
#include "af/future/ready.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace future_fuse_test {

namespace {

TEST(fuse, is_pending_for_ever_after_completing) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto f = af::fuse(af::ready(1));
    EXPECT_FALSE(f.is_terminated());
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(p.value(), 1);
    EXPECT_TRUE(f.is_terminated());
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(wc.count(), 0u);
    EXPECT_EQ(wc.clones_alive(), 0u);  // the terminated poll keeps no waker
}

TEST(fuse, passes_pending_through_until_the_inner_future_completes) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::manual_future<int> m;
    auto f = af::fuse(m.get());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_FALSE(f.is_terminated());
    m.set(4);
    EXPECT_EQ(f.poll(cx).value(), 4);
    EXPECT_TRUE(f.is_terminated());
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(m.polls(), 2);
}

TEST(fuse, destroys_the_inner_future_as_soon_as_it_completes) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af::test::drop_counter drops;
    auto f = af::fuse([](af::test::drop_counter::guard) -> af::task<> { co_return; }(drops.make()));
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(drops.count(), 1);
}

}  // namespace

}  // namespace future_fuse_test

// SPDX-License-Identifier: MIT
#include "af/core/poll.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace core_poll_test {

namespace {

af::poll<int> ready_or_pending(bool ready) {
    if (ready) return 5;
    return af::pending;
}

TEST(poll, implicitly_constructs_ready_from_a_value_and_pending_from_the_tag) {
    auto r = ready_or_pending(true);
    auto p = ready_or_pending(false);
    EXPECT_TRUE(r.is_ready());
    EXPECT_FALSE(r.is_pending());
    EXPECT_EQ(r.value(), 5);
    EXPECT_EQ(*r, 5);
    EXPECT_TRUE(p.is_pending());
    EXPECT_FALSE(static_cast<bool>(p));
}

TEST(poll, map_transforms_ready_values_and_keeps_pending) {
    auto doubled = ready_or_pending(true).map([](int v) { return std::to_string(v * 2); });
    static_assert(std::is_same_v<decltype(doubled), af::poll<std::string>>);
    EXPECT_EQ(doubled.value(), "10");
    bool called = false;
    auto still = ready_or_pending(false).map([&](int v) {
        called = true;
        return v;
    });
    EXPECT_TRUE(still.is_pending());
    EXPECT_FALSE(called);
}

TEST(poll, map_to_void_and_from_void) {
    int seen = 0;
    af::poll<void> v = ready_or_pending(true).map([&](int x) { seen = x; });
    EXPECT_TRUE(v.is_ready());
    EXPECT_EQ(seen, 5);
    af::poll<int> from_void = af::poll<void>{}.map([] { return 3; });
    EXPECT_EQ(from_void.value(), 3);
    af::poll<void> pend = af::pending;
    EXPECT_TRUE(std::move(pend).map([] { return 1; }).is_pending());
}

TEST(poll, holds_move_only_values) {
    af::poll<std::unique_ptr<int>> p = std::make_unique<int>(4);
    std::unique_ptr<int> taken = std::move(p).value();
    ASSERT_TRUE(taken);
    EXPECT_EQ(*taken, 4);
}

TEST(poll, void_is_ready_by_default) {
    af::poll<void> r;
    af::poll<void> p = af::pending;
    EXPECT_TRUE(r.is_ready());
    EXPECT_TRUE(p.is_pending());
}

}  // namespace

}  // namespace core_poll_test

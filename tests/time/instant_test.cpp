// SPDX-License-Identifier: MIT
#include "af/time/instant.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "time/support.hpp"

namespace time_instant_test {

using namespace std::chrono_literals;
using af::time::instant;

TEST(instant, adds_subtracts_and_compares) {
    const instant a(std::chrono::steady_clock::time_point(100ms));
    const instant b = a + 5ms;
    EXPECT_LT(a, b);
    EXPECT_EQ(b - a, 5ms);
    EXPECT_EQ(a - b, -5ms);
    EXPECT_EQ(b - 5ms, a);
    EXPECT_EQ(5ms + a, b);
    instant c = a;
    c += 1s;
    c -= 500ms;
    EXPECT_EQ(c, a + 500ms);
    EXPECT_EQ(c.time_point(), std::chrono::steady_clock::time_point(600ms));
}

TEST(instant, duration_since_saturates_at_zero) {
    const instant a(std::chrono::steady_clock::time_point(1s));
    EXPECT_EQ((a + 3ms).duration_since(a), 3ms);
    EXPECT_EQ(a.duration_since(a + 3ms), 0ms);
}

TEST(instant, now_reads_steady_clock_outside_a_runtime) {
    const auto before = std::chrono::steady_clock::now();
    const instant n = instant::now();
    EXPECT_GE(n.time_point(), before);
    EXPECT_LE(n.time_point(), std::chrono::steady_clock::now());
}

TEST(instant, now_reads_the_paused_clock_of_the_current_driver) {
    af::time::test::installed_driver t;
    const instant n = instant::now();
    EXPECT_EQ(n, t.drv.now());
    t.drv.advance(1h);
    EXPECT_EQ(instant::now(), n + 1h);
    EXPECT_EQ(n.elapsed(), 1h);
    EXPECT_EQ((n + 2h).elapsed(), 0ms);
}

}  // namespace time_instant_test

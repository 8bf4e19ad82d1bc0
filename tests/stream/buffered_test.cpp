// SPDX-License-Identifier: MIT
// af::streams::buffered, buffer_unordered, for_each_concurrent: the concurrency limit, output
// order, per-future wakes, errors, cancellation.
#include "af/stream/buffer_unordered.hpp"
#include "af/stream/buffered.hpp"
#include "af/stream/for_each_concurrent.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

#include "af/future/map.hpp"
#include "af/stream/iter.hpp"
#include "af/stream/map.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"
#include "stream/manual_stream.hpp"

namespace stream_buffered_test {

namespace {

// n manual futures and a stream that hands out their future sides in order.
struct bank {
    std::vector<af::test::manual_future<int>> m;
    explicit bank(std::size_t n) : m(n) {}
    auto stream() {
        std::vector<af::test::manual_future<int>::future> fs;
        for (auto& x : m) fs.push_back(x.get());
        return af::streams::iter(std::move(fs));
    }
    int started() const {
        int n = 0;
        for (auto& x : m) n += x.polls() > 0 ? 1 : 0;
        return n;
    }
};

TEST(buffered, runs_at_most_n_and_yields_in_input_order) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    bank b(3);
    auto s = b.stream() | af::streams::buffered(2);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(b.started(), 2);
    b.m[1].set(11);  // finishes early, waits for #0
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(b.started(), 2);  // #1's output still holds a slot
    EXPECT_EQ(b.m[0].polls(), 1);  // only the woken future was polled
    b.m[0].set(10);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(10));
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(11));  // #2 is pulled in as #1 leaves
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(b.started(), 3);
    b.m[2].set(12);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(12));
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

struct throwing {
    using output = int;
    af::poll<int> poll(af::context&) { throw std::runtime_error("failed future"); }
};
struct ok_or_throw {
    using output = int;
    int v;
    af::poll<int> poll(af::context& cx) {
        if (v < 0) return throwing{}.poll(cx);
        return v;
    }
};

TEST(buffered, rethrows_an_error_at_its_position_then_continues) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    auto s = af::streams::iter(std::vector<int>{1, -1, 3}) | af::streams::map([](int v) { return ok_or_throw{v}; }) |
             af::streams::buffered(3);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(1));
    EXPECT_THROW((void)s.poll_next(cx), std::runtime_error);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(3));
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(buffered, destroying_it_destroys_running_futures) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    bank b(2);
    {
        auto s = b.stream() | af::streams::buffered(2);
        EXPECT_TRUE(s.poll_next(cx).is_pending());
        EXPECT_TRUE(b.m[0].future_alive());
    }
    EXPECT_FALSE(b.m[0].future_alive());
    EXPECT_FALSE(b.m[1].future_alive());
}

TEST(buffer_unordered, yields_in_completion_order_and_refills_freed_slots) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    bank b(3);
    auto s = b.stream() | af::streams::buffer_unordered(2);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(b.started(), 2);
    b.m[1].set(11);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(11));
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    EXPECT_EQ(b.started(), 3);  // the freed slot went to #2
    b.m[2].set(12);
    b.m[0].set(10);
    EXPECT_EQ(wc.count(), 2u);  // one wake for both: the set wakes its owner once per poll
    std::vector<int> rest;
    while (auto v = s.poll_next(cx).value()) rest.push_back(*v);
    std::sort(rest.begin(), rest.end());
    EXPECT_EQ(rest, (std::vector<int>{10, 12}));
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(buffer_unordered, waits_on_the_input_when_nothing_runs) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_stream<af::test::manual_future<int>::future> src;
    af::test::manual_future<int> m;
    auto s = src.get() | af::streams::buffer_unordered(4);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    src.push(m.get());
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(s.poll_next(cx).is_pending());
    m.set(5);
    EXPECT_EQ(wc.count(), 2u);
    EXPECT_EQ(s.poll_next(cx).value(), std::optional<int>(5));
    src.close();
    EXPECT_EQ(wc.count(), 3u);
    EXPECT_EQ(s.poll_next(cx).value(), std::nullopt);
}

TEST(for_each_concurrent, keeps_at_most_limit_running_and_completes_when_all_finished) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    bank b(3);
    int done = 0;
    auto f = b.stream() | af::streams::for_each_concurrent(2, [&](af::test::manual_future<int>::future fut) {
        return af::map(std::move(fut), [&](int) { ++done; });
    });
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(b.started(), 2);
    b.m[1].set(1);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(done, 1);
    EXPECT_EQ(b.started(), 3);
    b.m[0].set(0);
    b.m[2].set(2);
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(done, 3);
}

TEST(for_each_concurrent, with_limit_zero_starts_everything_at_once) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    bank b(3);
    auto f = b.stream() | af::streams::for_each_concurrent(0, [](af::test::manual_future<int>::future fut) {
        return af::map(std::move(fut), [](int) {});
    });
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(b.started(), 3);
    for (auto& m : b.m) m.set(0);
    EXPECT_TRUE(f.poll(cx).is_ready());
}

TEST(for_each_concurrent, destroying_it_destroys_running_futures) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    bank b(1);
    {
        auto f = b.stream() | af::streams::for_each_concurrent(1, [](af::test::manual_future<int>::future fut) {
            return af::map(std::move(fut), [](int) {});
        });
        EXPECT_TRUE(f.poll(cx).is_pending());
        EXPECT_TRUE(b.m[0].future_alive());
    }
    EXPECT_FALSE(b.m[0].future_alive());
}

}  // namespace

}  // namespace stream_buffered_test

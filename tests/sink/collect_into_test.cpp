// SPDX-License-Identifier: MIT
// af::sinks::collect_into and af::sinks::drain: the two in-memory sinks.
#include "af/sink/collect_into.hpp"
#include "af/sink/drain.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/sink/close.hpp"
#include "af/sink/send.hpp"
#include "af/sink/send_all.hpp"
#include "af/stream/iter.hpp"

namespace sink_collect_into_test {

namespace {

static_assert(af::sink<af::sinks::collect_into_sink<std::string>, std::string>);
static_assert(af::sink<af::sinks::drain_sink, int>);
static_assert(af::sink<af::sinks::drain_sink, std::string>);

TEST(collect_into, appends_every_item_in_order) {
    std::vector<std::string> out{"first"};
    auto s = af::sinks::collect_into(out);
    af::block_on(af::sinks::send(s, std::string("a")));
    af::block_on(af::sinks::send_all(s, af::streams::iter(std::vector<std::string>{"b", "c"})));
    EXPECT_EQ(out, (std::vector<std::string>{"first", "a", "b", "c"}));
}

TEST(collect_into, refuses_items_after_close) {
    std::vector<int> out;
    auto s = af::sinks::collect_into(out);
    af::block_on(af::sinks::close(s));
    EXPECT_TRUE(s.is_closed());
    EXPECT_THROW(af::block_on(af::sinks::send(s, 1)), af::closed_error);
    EXPECT_TRUE(out.empty());
}

TEST(drain, swallows_and_counts_items_of_any_type) {
    auto s = af::sinks::drain();
    af::block_on(af::sinks::send(s, 1));
    af::block_on(af::sinks::send(s, std::string("x")));
    af::block_on(af::sinks::send_all(s, af::streams::iter(std::vector<int>{1, 2, 3})));
    EXPECT_EQ(s.count(), 5u);
}

}  // namespace

}  // namespace sink_collect_into_test

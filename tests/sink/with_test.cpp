// SPDX-License-Identifier: MIT
// af::sinks::with: maps each item before the inner sink gets it; readiness, flush and close are
// the inner sink's.
#include "af/sink/with.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "af/channel/mpsc.hpp"
#include "af/executor/block_on.hpp"
#include "af/sink/close.hpp"
#include "af/sink/send.hpp"
#include "af/test/wake_counter.hpp"
#include "sink/manual_sink.hpp"

namespace sink_with_test {

namespace {

using log_t = af_test::manual_sink::log_t;

TEST(with, maps_each_item_through_the_function) {
    af_test::manual_sink inner;
    auto s = inner.clone() |
             af::sinks::with([](const std::string& v) { return static_cast<int>(v.size()); });
    static_assert(af::sink<decltype(s), std::string>);
    static_assert(!af::sink<decltype(s), int>);  // only what fn accepts
    af::block_on(af::sinks::send(s, std::string("abc")));
    af::block_on(af::sinks::send(s, std::string("hello")));
    EXPECT_EQ(inner.st().delivered, (std::vector<int>{3, 5}));
}

TEST(with, forwards_pending_readiness_and_the_wake_of_the_inner_sink) {
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    af_test::manual_sink inner;
    int calls = 0;
    auto s = inner.clone() | af::sinks::with([&](int v) {
                 ++calls;
                 return v * 10;
             });
    inner.set_ready(false);
    auto f = af::sinks::send(s, 4);
    EXPECT_TRUE(f.poll(cx).is_pending());
    EXPECT_EQ(calls, 0);  // the function runs only when the item is handed over
    inner.set_ready(true);
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_TRUE(f.poll(cx).is_ready());
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(inner.st().delivered, std::vector<int>{40});
}

TEST(with, close_closes_the_inner_sink) {
    af_test::manual_sink inner;
    auto s = inner.clone() | af::sinks::with([](int v) { return v + 1; });
    af::block_on(af::sinks::close(s));
    EXPECT_TRUE(inner.st().closed);
    EXPECT_EQ(inner.st().log, (log_t{"close"}));
}

TEST(with, an_exception_from_the_function_reaches_the_awaiter_and_nothing_is_sent) {
    af_test::manual_sink inner;
    auto s = inner.clone() | af::sinks::with([](int v) -> int {
                 if (v < 0) throw std::invalid_argument("negative");
                 return v;
             });
    EXPECT_THROW(af::block_on(af::sinks::send(s, -1)), std::invalid_argument);
    EXPECT_TRUE(inner.st().buffer.empty());
    af::block_on(af::sinks::send(s, 2));
    EXPECT_EQ(inner.st().delivered, std::vector<int>{2});
}

TEST(with, turns_a_channel_sender_into_a_sink_of_another_type) {
    auto [tx, rx] = af::channel::mpsc::unbounded<std::string>();
    auto s = std::move(tx) | af::sinks::with([](int v) { return std::to_string(v); });
    af::block_on(af::sinks::send(s, 42));
    af::block_on(af::sinks::close(s));  // the only sender: the receiver ends
    EXPECT_EQ(af::block_on(rx.recv()), std::optional<std::string>("42"));
    EXPECT_EQ(af::block_on(rx.recv()), std::nullopt);
}

}  // namespace

}  // namespace sink_with_test

// SPDX-License-Identifier: MIT
// af::streams::stream_map (issue 22): keyed children, per-child wakers, fair polling, removal
// between polls and from the loop body, silent removal of ended children, the empty map.
#include "af/stream/stream_map.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "af/channel/broadcast.hpp"
#include "af/core/task.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/stream/repeat.hpp"
#include "af/test/mock_task.hpp"
#include "stream/manual_stream.hpp"

namespace stream_stream_map_test {

using map_t = af::streams::stream_map<std::string, af_test::manual_stream<int>::stream>;
using kv = std::pair<std::string, int>;

std::optional<kv> step(af::test::mock_task<>& t, map_t& m) {
    auto p = t.enter([&](af::context& cx) { return m.poll_next(cx); });
    if (p.is_pending()) throw std::logic_error("pending");
    return std::move(p).value();
}
bool pending(af::test::mock_task<>& t, map_t& m) {
    return t.enter([&](af::context& cx) { return m.poll_next(cx); }).is_pending();
}

TEST(stream_map, an_empty_map_ends_and_yields_again_after_an_insert) {
    af::test::mock_task<> t;
    map_t m;
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(step(t, m), std::nullopt);
    EXPECT_EQ(t.waker_ref_count(), 0u) << "an empty map keeps no waker";
    af_test::manual_stream<int> a;
    a.push(7);
    m.insert("a", a.get());
    EXPECT_EQ(step(t, m), (kv{"a", 7}));
    EXPECT_TRUE(pending(t, m));
}

TEST(stream_map, yields_key_and_item_and_polls_only_woken_children) {
    af::test::mock_task<> t;
    map_t m;
    af_test::manual_stream<int> a, b, c;
    m.insert("a", a.get());
    m.insert("b", b.get());
    m.insert("c", c.get());
    EXPECT_EQ(m.size(), 3u);
    EXPECT_TRUE(pending(t, m));  // first poll: every child, each keeps a waker
    EXPECT_EQ(a.polls() + b.polls() + c.polls(), 3);
    EXPECT_FALSE(t.is_woken());
    b.push(5);
    EXPECT_TRUE(t.is_woken());
    EXPECT_EQ(step(t, m), (kv{"b", 5}));
    EXPECT_EQ(a.polls(), 1);
    EXPECT_EQ(c.polls(), 1);
    EXPECT_TRUE(pending(t, m));  // b yielded last, so it is polled once more to see if it has more
    EXPECT_EQ(b.polls(), 3);
    EXPECT_EQ(a.polls(), 1);
    EXPECT_EQ(c.polls(), 1);
}

TEST(stream_map, a_child_that_is_always_ready_lets_the_others_through) {
    af::test::mock_task<> t;
    af::streams::stream_map<int, af::streams::repeat_stream<int>> flood;
    // Three children always ready: the map must serve them in turn, not the first one for ever.
    flood.insert(1, af::streams::repeat(10));
    flood.insert(2, af::streams::repeat(20));
    flood.insert(3, af::streams::repeat(30));
    std::vector<int> seen;
    for (int i = 0; i < 9; ++i) {
        auto p = t.enter([&](af::context& cx) { return flood.poll_next(cx); });
        seen.push_back(af::test::assert_ready(std::move(p))->first);
    }
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 1, 2, 3, 1, 2, 3}));
}

TEST(stream_map, a_woken_child_is_served_within_one_round_of_a_flood) {
    af::test::mock_task<> t;
    using any_int = af_test::manual_stream<int>::stream;
    af::streams::stream_map<int, any_int> m;
    af_test::manual_stream<int> busy, quiet;
    for (int i = 0; i < 100; ++i) busy.push(1);
    m.insert(1, busy.get());
    m.insert(2, quiet.get());
    for (int round = 0; round < 20; ++round) {
        quiet.push(2);
        int polls = 0;
        int key = 0;
        do {
            // A fresh optional per poll: GCC 12 at -O2 takes an assigned-over one for
            // maybe-uninitialized.
            std::optional<std::pair<int, int>> v =
                af::test::assert_ready(t.enter([&](af::context& cx) { return m.poll_next(cx); }));
            ASSERT_TRUE(v.has_value());
            key = v->first;
            ++polls;
        } while (key != 2 && polls < 10);
        EXPECT_LE(polls, 2) << "the quiet child waited behind the busy one";
    }
}

TEST(stream_map, an_ended_child_is_removed_silently_and_the_last_end_ends_the_map) {
    af::test::mock_task<> t;
    map_t m;
    af_test::manual_stream<int> a, b;
    m.insert("a", a.get());
    m.insert("b", b.get());
    EXPECT_TRUE(pending(t, m));
    a.close();
    EXPECT_TRUE(pending(t, m)) << "no item for an end";
    EXPECT_FALSE(m.contains("a"));
    EXPECT_FALSE(a.alive()) << "an ended child is destroyed at once";
    EXPECT_EQ(m.size(), 1u);
    b.push(1);
    b.close();
    EXPECT_EQ(step(t, m), (kv{"b", 1}));
    EXPECT_EQ(step(t, m), std::nullopt);
    EXPECT_TRUE(m.empty());
}

TEST(stream_map, remove_between_polls_destroys_a_woken_child_which_is_not_polled_again) {
    af::test::mock_task<> t;
    map_t m;
    af_test::manual_stream<int> a, b;
    m.insert("a", a.get());
    m.insert("b", b.get());
    EXPECT_TRUE(pending(t, m));
    a.push(1);  // a is queued now
    EXPECT_TRUE(m.remove("a"));
    EXPECT_FALSE(m.remove("a"));
    EXPECT_FALSE(a.alive());
    EXPECT_FALSE(m.contains("a"));
    EXPECT_TRUE(pending(t, m));
    EXPECT_EQ(a.polls(), 1);
    b.push(2);
    EXPECT_EQ(step(t, m), (kv{"b", 2}));
}

TEST(stream_map, insert_with_a_present_key_replaces_the_old_stream) {
    af::test::mock_task<> t;
    map_t m;
    af_test::manual_stream<int> a1, a2;
    a1.push(1);
    EXPECT_FALSE(m.insert("a", a1.get()));
    EXPECT_TRUE(m.insert("a", a2.get()));
    EXPECT_FALSE(a1.alive());
    EXPECT_EQ(m.size(), 1u);
    EXPECT_TRUE(pending(t, m)) << "the replaced stream's item is gone with it";
    a2.push(2);
    EXPECT_EQ(step(t, m), (kv{"a", 2}));
    EXPECT_EQ(m.keys(), std::vector<std::string>{"a"});
}

TEST(stream_map, a_child_that_throws_is_removed_and_the_error_propagates) {
    struct bomb {
        using item = int;
        af::poll<std::optional<int>> poll_next(af::context&) { throw std::runtime_error("boom"); }
    };
    af::test::mock_task<> t;
    af::streams::stream_map<int, bomb> m;
    m.insert(1, bomb{});
    EXPECT_THROW((void)t.enter([&](af::context& cx) { return m.poll_next(cx); }), std::runtime_error);
    EXPECT_TRUE(m.empty());
}

TEST(stream_map, move_assignment_destroys_the_old_streams_and_wakers_stay_safe) {
    af::test::mock_task<> t;
    map_t m1, m2;
    af_test::manual_stream<int> a, b;
    m1.insert("a", a.get());
    m2.insert("b", b.get());
    EXPECT_TRUE(pending(t, m1));  // a keeps a waker into m1's queue
    m1 = std::move(m2);
    EXPECT_FALSE(a.alive());
    EXPECT_TRUE(b.alive());
    EXPECT_TRUE(m1.contains("b"));
    a.push(1);  // nothing happens: the stream is gone, its waker was dropped with it
    b.push(2);
    EXPECT_EQ(step(t, m1), (kv{"b", 2}));
    std::vector<map_t> maps(3);
    maps[0].insert("x", a.get());
    maps.erase(maps.begin());
    EXPECT_EQ(maps.size(), 2u);
}

TEST(stream_map, subscriptions_from_real_broadcast_channels_on_a_runtime) {
    using af::channel::broadcast::receiver;
    auto got = af::rt::run([]() -> af::task<std::vector<std::string>> {
        auto [news_tx, news_rx] = af::channel::broadcast::channel<int>(16);
        auto [sport_tx, sport_rx] = af::channel::broadcast::channel<int>(16);
        af::streams::stream_map<std::string, receiver<int>> subs;
        subs.insert("news", std::move(news_rx));
        subs.insert("sport", std::move(sport_rx));
        auto producer = af::rt::spawn([](af::channel::broadcast::sender<int> a,
                                         af::channel::broadcast::sender<int> b) -> af::task<void> {
            for (int i = 0; i < 3; ++i) {
                (void)a.send(i);
                (void)b.send(100 + i);
                co_await af::yield_now();
            }
        }(news_tx, sport_tx));
        std::vector<std::string> out;
        int sport_seen = 0;
        while (auto kv = co_await subs.next()) {
            auto& [key, r] = *kv;
            if (!r.is_received()) continue;
            out.push_back(key + ":" + std::to_string(r.take_value()));
            // Unsubscribe from inside the loop body, as mini-redis does.
            if (key == "sport" && ++sport_seen == 2) subs.remove("sport");
            if (out.size() == 5) break;
        }
        co_await std::move(producer);
        co_return out;
    });
    ASSERT_EQ(got.size(), 5u);
    int news = 0, sport = 0;
    for (auto& s : got) (s.rfind("news:", 0) == 0 ? news : sport)++;
    EXPECT_EQ(news, 3);
    EXPECT_EQ(sport, 2);
}

}  // namespace stream_stream_map_test

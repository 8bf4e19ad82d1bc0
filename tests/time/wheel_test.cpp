// SPDX-License-Identifier: MIT
#include "af/time/detail/wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

namespace time_wheel_test {

using af::time::detail::timer_entry;
using af::time::detail::timer_wheel;

namespace {

std::vector<timer_entry*> pop_all(timer_wheel& w, std::uint64_t now) {
    std::vector<timer_entry*> out;
    while (timer_entry* e = w.pop_expired(now)) out.push_back(e);
    return out;
}

}  // namespace

TEST(timer_wheel, pops_a_timer_at_its_tick_and_not_before) {
    timer_wheel w;
    timer_entry e;
    w.insert(e, 5);
    EXPECT_EQ(w.size(), 1u);
    EXPECT_EQ(w.next_expiration(), 5u);
    EXPECT_EQ(w.pop_expired(4), nullptr);
    EXPECT_EQ(w.elapsed(), 4u);
    EXPECT_EQ(w.pop_expired(5), &e);
    EXPECT_EQ(w.pop_expired(5), nullptr);
    EXPECT_EQ(w.size(), 0u);
    EXPECT_EQ(w.next_expiration(), UINT64_MAX);
}

TEST(timer_wheel, a_far_timer_cascades_down_and_fires_exactly_at_its_tick) {
    timer_wheel w;
    timer_entry e;
    const std::uint64_t when = 64 * 64 * 64 + 64 * 3 + 5;  // level 3
    w.insert(e, when);
    EXPECT_LE(w.next_expiration(), when);
    for (std::uint64_t now = 0; now < when; now += 61) {
        ASSERT_EQ(w.pop_expired(now), nullptr) << now;
        ASSERT_LE(w.next_expiration(), when);
        ASSERT_GT(w.next_expiration(), now);
    }
    EXPECT_EQ(w.pop_expired(when - 1), nullptr);
    EXPECT_EQ(w.next_expiration(), when);  // cascaded to level 0 by now: exact
    EXPECT_EQ(w.pop_expired(when), &e);
}

TEST(timer_wheel, a_deadline_already_passed_is_popped_next) {
    timer_wheel w;
    EXPECT_EQ(w.pop_expired(100), nullptr);
    timer_entry e;
    w.insert(e, 50);
    EXPECT_EQ(w.next_expiration(), 100u);
    EXPECT_EQ(w.pop_expired(100), &e);
}

TEST(timer_wheel, removing_the_only_timer_of_a_slot_empties_the_wheel) {
    timer_wheel w;
    timer_entry a, b, c;
    w.insert(a, 10);
    w.insert(b, 10);
    w.insert(c, 100000);
    w.remove(b);
    w.remove(a);
    EXPECT_EQ(w.next_expiration() > 10, true);
    w.remove(c);
    EXPECT_EQ(w.size(), 0u);
    EXPECT_EQ(w.next_expiration(), UINT64_MAX);
    EXPECT_EQ(w.pop_expired(UINT64_MAX), nullptr);
}

TEST(timer_wheel, handles_deadlines_up_to_the_largest_tick) {
    timer_wheel w;
    timer_entry a, b;
    w.insert(a, UINT64_MAX);
    w.insert(b, UINT64_MAX / 2 + 1);
    EXPECT_EQ(w.pop_expired(UINT64_MAX / 2), nullptr);
    EXPECT_EQ(w.pop_expired(UINT64_MAX / 2 + 1), &b);
    EXPECT_EQ(w.pop_expired(UINT64_MAX - 1), nullptr);
    EXPECT_EQ(w.pop_expired(UINT64_MAX), &a);
}

// Random insert / cancel / advance against a std::multimap model, seeded so that a failure
// reproduces. After every step the wheel must hold exactly the model's timers, an advance must
// pop exactly those due, and next_expiration must bound the earliest deadline from below.
TEST(timer_wheel, random_operations_match_a_multimap_model) {
    constexpr int pool = 512;
    for (std::uint32_t seed = 1; seed <= 24; ++seed) {
        std::mt19937_64 rng(seed);
        timer_wheel w;
        auto entries = std::make_unique<timer_entry[]>(pool);
        std::multimap<std::uint64_t, int> model;
        std::vector<bool> linked(pool, false);
        auto distance = [&]() -> std::uint64_t {
            switch (rng() % 6) {
            case 0: return rng() % 4;
            case 1: return rng() % 64;
            case 2: return rng() % 5000;
            case 3: return rng() % (1u << 20);
            case 4: return rng() % (std::uint64_t{1} << 40);
            default: return rng() >> (rng() % 64);
            }
        };
        auto add = [](std::uint64_t a, std::uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; };
        for (int step = 0; step < 4000; ++step) {
            const unsigned op = static_cast<unsigned>(rng() % 10);
            if (op < 5) {  // insert
                const int i = static_cast<int>(rng() % pool);
                if (linked[i]) continue;
                // Mostly in the future; sometimes at or before the current tick.
                const std::uint64_t d = rng() % 16 == 0 ? w.elapsed() - std::min(w.elapsed(), distance())
                                                        : add(w.elapsed(), distance());
                w.insert(entries[i], d);
                model.emplace(d, i);
                linked[i] = true;
            } else if (op < 8) {  // cancel
                if (model.empty()) continue;
                auto it = model.begin();
                std::advance(it, static_cast<long>(rng() % model.size()));
                w.remove(entries[it->second]);
                linked[it->second] = false;
                model.erase(it);
            } else {  // advance
                const std::uint64_t now = add(w.elapsed(), distance());
                std::set<timer_entry*> popped;
                for (timer_entry* e : pop_all(w, now)) ASSERT_TRUE(popped.insert(e).second);
                std::set<timer_entry*> due;
                while (!model.empty() && model.begin()->first <= now) {
                    due.insert(&entries[model.begin()->second]);
                    linked[model.begin()->second] = false;
                    model.erase(model.begin());
                }
                ASSERT_EQ(popped, due) << "seed " << seed << " step " << step;
                ASSERT_EQ(w.elapsed(), now);
                if (!model.empty()) {
                    ASSERT_GT(w.next_expiration(), now);
                }
            }
            ASSERT_EQ(w.size(), model.size()) << "seed " << seed << " step " << step;
            if (model.empty()) {
                ASSERT_EQ(w.next_expiration(), UINT64_MAX);
            } else {
                ASSERT_LE(w.next_expiration(), std::max(model.begin()->first, w.elapsed()))
                    << "seed " << seed << " step " << step;
            }
        }
        // Drain: everything left fires by the largest tick, each exactly once.
        const std::size_t left = model.size();
        EXPECT_EQ(pop_all(w, UINT64_MAX).size(), left);
        EXPECT_EQ(w.size(), 0u);
    }
}

}  // namespace time_wheel_test

// SPDX-License-Identifier: MIT
#include "af/core/wakeable.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace core_wakeable_test {

namespace {

struct flag final : af::wakeable {
    std::atomic<int>* destroyed;
    std::atomic<int> wakes{0};
    explicit flag(std::atomic<int>* d) : destroyed(d) {}
    ~flag() override { destroyed->fetch_add(1); }
    void wake() noexcept override { wakes.fetch_add(1); }
};

TEST(wakeable, waker_from_a_wakeable_calls_its_wake) {
    std::atomic<int> destroyed{0};
    auto f = af::make_wakeable<flag>(&destroyed);
    af::waker w = af::waker::from(f);
    w.wake_by_ref();
    std::move(w).wake();
    EXPECT_EQ(f->wakes, 2);
    EXPECT_EQ(f->use_count(), 1u);
}

TEST(wakeable, object_lives_until_the_last_waker_is_gone) {
    std::atomic<int> destroyed{0};
    af::waker w = af::waker::noop();
    {
        auto f = af::make_wakeable<flag>(&destroyed);
        w = af::waker::from(f);
    }
    EXPECT_EQ(destroyed, 0);
    w.wake_by_ref();
    w = af::waker::noop();
    EXPECT_EQ(destroyed, 1);
}

TEST(wakeable, wakers_of_the_same_object_will_wake_each_other) {
    std::atomic<int> destroyed{0};
    auto f = af::make_wakeable<flag>(&destroyed);
    auto g = af::make_wakeable<flag>(&destroyed);
    EXPECT_TRUE(af::waker::from(f).will_wake(af::waker::from(f)));
    EXPECT_FALSE(af::waker::from(f).will_wake(af::waker::from(g)));
}

TEST(wakeable, is_freed_exactly_once_when_wakers_race_on_many_threads) {
    std::atomic<int> destroyed{0};
    {
        auto f = af::make_wakeable<flag>(&destroyed);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([w = af::waker::from(f)]() mutable {
                for (int i = 0; i < 1000; ++i) af::waker(w).wake();
            });
        }
        for (auto& t : threads) t.join();
        EXPECT_EQ(f->wakes, 4000);
    }
    EXPECT_EQ(destroyed, 1);
}

}  // namespace

}  // namespace core_wakeable_test

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::test::drop_counter`: counts destructor runs, to prove that cancellation (destroying a
/// future or task) runs the destructors of everything it owned, exactly once.
///
///     af::test::drop_counter drops;
///     {
///         auto t = [](af::test::drop_counter::guard g) -> af::task<> { co_await af::never(); }(drops.make());
///         af::block_on(af::select(std::move(t), af::ready()));
///     }
///     EXPECT_EQ(drops.count(), 1);
#include <atomic>   // the counter
#include <utility>  // std::exchange

namespace af::test {

class drop_counter {
public:
    /// Increments the counter when destroyed (moved-from guards do not count).
    class guard {
    public:
        explicit guard(drop_counter& c) noexcept : c_(&c) {}
        guard(guard&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
        guard& operator=(guard&&) = delete;
        ~guard() {
            if (c_) c_->n_.fetch_add(1, std::memory_order_acq_rel);
        }

    private:
        drop_counter* c_;
    };

    guard make() noexcept { return guard(*this); }
    int count() const noexcept { return n_.load(std::memory_order_acquire); }

private:
    std::atomic<int> n_{0};
};

}  // namespace af::test

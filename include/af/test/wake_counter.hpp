// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::test::wake_counter`: a waker that counts how often it was woken, for stepping futures
/// by hand in tests.
///
///     af::test::wake_counter wc;
///     af::context cx(wc.waker());
///     EXPECT_TRUE(fut.poll(cx).is_pending());
///     trigger();
///     EXPECT_EQ(wc.count(), 1u);
///
/// Thread safety: wakers made from it may be woken from any thread.
#include <atomic>   // the counter
#include <cstddef>  // std::size_t

#include "af/core/wakeable.hpp"

namespace af::test {

class wake_counter {
public:
    wake_counter() : state_(make_wakeable<state>()), waker_(af::waker::from(state_)) {}

    /// A waker whose wakes are counted (the same task each time: `will_wake` holds between them).
    const af::waker& waker() const noexcept { return waker_; }
    std::size_t count() const noexcept { return state_->wakes.load(std::memory_order_acquire); }
    /// References held by wakers other than this object's own: a leak check for futures that
    /// must drop the wakers they registered.
    std::size_t clones_alive() const noexcept { return state_->use_count() - 2; }

private:
    struct state final : wakeable {
        std::atomic<std::size_t> wakes{0};
        void wake() noexcept override { wakes.fetch_add(1, std::memory_order_acq_rel); }
    };
    wakeable_ptr<state> state_;
    af::waker waker_;
};

}  // namespace af::test

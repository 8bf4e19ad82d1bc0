// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::test::manual_future<T>`: a leaf future completed by hand (`set(v)`), from any thread.
/// It counts its polls and keeps only the latest waker, like a well-behaved leaf future should:
///
///     af::test::manual_future<int> m;
///     auto f = m.get();           // the future side; m stays with the test
///     EXPECT_TRUE(f.poll(cx).is_pending());
///     m.set(5);                   // wakes the registered waker
///     EXPECT_EQ(f.poll(cx).value(), 5);
#include <atomic>    // poll counter
#include <cassert>   // single get()
#include <memory>    // shared state
#include <mutex>     // the slot is guarded: tests favour obviousness over speed
#include <optional>  // value and waker slots

#include "af/core/future.hpp"

namespace af::test {

template <class T>
class manual_future {
    struct state {
        std::mutex m;
        std::optional<T> value;
        std::optional<af::waker> waiter;
        std::atomic<int> polls{0};
        bool alive = false;
    };

public:
    class future {
    public:
        using output = T;
        explicit future(std::shared_ptr<state> s) : s_(std::move(s)) {
            std::lock_guard lk(s_->m);
            s_->alive = true;
        }
        future(future&& o) noexcept = default;
        ~future() {
            if (!s_) return;
            std::lock_guard lk(s_->m);
            s_->alive = false;
            s_->waiter.reset();  // deregister: a cancelled future leaves no waker behind
        }
        af::poll<T> poll(context& cx) {
            s_->polls.fetch_add(1, std::memory_order_relaxed);
            std::lock_guard lk(s_->m);
            if (s_->value) {
                af::poll<T> p(std::in_place, std::move(*s_->value));
                s_->value.reset();
                return p;
            }
            if (!s_->waiter || !s_->waiter->will_wake(cx.waker())) s_->waiter.emplace(cx.waker());
            return pending;
        }

    private:
        std::shared_ptr<state> s_;
    };

    manual_future() : s_(std::make_shared<state>()) {}
    future get() { return future(s_); }

    void set(T v) {
        std::optional<af::waker> w;
        {
            std::lock_guard lk(s_->m);
            s_->value.emplace(std::move(v));
            w = std::move(s_->waiter);
            s_->waiter.reset();
        }
        if (w) std::move(*w).wake();
    }
    /// Wakes the registered waker without completing (a spurious wake).
    void wake() {
        std::optional<af::waker> w;
        {
            std::lock_guard lk(s_->m);
            w = s_->waiter;
        }
        if (w) w->wake_by_ref();
    }
    int polls() const noexcept { return s_->polls.load(std::memory_order_relaxed); }
    bool has_waiter() const {
        std::lock_guard lk(s_->m);
        return s_->waiter.has_value();
    }
    bool future_alive() const {
        std::lock_guard lk(s_->m);
        return s_->alive;
    }

private:
    std::shared_ptr<state> s_;
};

}  // namespace af::test

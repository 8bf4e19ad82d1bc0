// SPDX-License-Identifier: MIT
#pragma once
// The leaf future shared by the combinator tests: completed (or failed) by hand through its
// state, counting its polls and destructor runs, and keeping only the latest waker, as a
// well-behaved leaf future does. `spin` makes it wake itself on every poll (a starvation probe).
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "af/core/future.hpp"

namespace af_test {

// A leaf completed by hand that counts its polls and destructor runs and keeps the latest waker.
struct leaf_state {
    std::atomic<int> polls{0};
    std::atomic<int> drops{0};
    std::mutex m;
    std::optional<af::waker> waiter;
    std::optional<int> value;
    bool fail = false;
    bool spin = false;  // wakes itself on every poll, for ever

    void wake() {
        std::optional<af::waker> w;
        {
            std::lock_guard lk(m);
            w = waiter;
        }
        if (w) w->wake_by_ref();
    }
    void complete(int v) {
        {
            std::lock_guard lk(m);
            value = v;
        }
        wake();
    }
    void throw_next() {
        {
            std::lock_guard lk(m);
            fail = true;
        }
        wake();
    }
};

struct leaf {
    using output = int;
    std::shared_ptr<leaf_state> s;
    explicit leaf(std::shared_ptr<leaf_state> st) : s(std::move(st)) {}
    leaf(leaf&& o) noexcept = default;
    ~leaf() {
        if (s) s->drops.fetch_add(1);
    }
    af::poll<int> poll(af::context& cx) {
        s->polls.fetch_add(1);
        std::lock_guard lk(s->m);
        if (s->fail) throw std::runtime_error("leaf failed");
        if (s->value) return *s->value;
        if (s->spin) cx.waker().wake_by_ref();
        if (!s->waiter || !s->waiter->will_wake(cx.waker())) s->waiter.emplace(cx.waker());
        return af::pending;
    }
};

}  // namespace af_test

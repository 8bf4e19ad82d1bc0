// SPDX-License-Identifier: MIT
// A leaf future woken from another thread: the waker contract in full.
#include <af/af.hpp>

#include <cassert>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

// State shared by the waiting future and the thread that fires the signal.
struct signal_state {
    std::mutex m;
    bool fired = false;
    std::optional<af::waker> waiter;
};

class signal_future {
public:
    using output = void;
    explicit signal_future(std::shared_ptr<signal_state> s) : s_(std::move(s)) {}

    af::poll<void> poll(af::context& cx) {
        std::lock_guard lock(s_->m);
        if (s_->fired) return {};
        // Checking `fired` and storing the waker under one lock means a fire() cannot slip in
        // between them: either we see fired, or fire() sees our waker. No wake is lost.
        // The task may be polled again with a different waker (it moved to another thread,
        // or a combinator wrapped it): always keep the latest one. will_wake skips the clone
        // in the common case where it did not change.
        if (!s_->waiter || !s_->waiter->will_wake(cx.waker())) s_->waiter = cx.waker();
        return af::pending;
    }

private:
    std::shared_ptr<signal_state> s_;
};

void fire(signal_state& s) {
    std::optional<af::waker> w;
    {
        std::lock_guard lock(s.m);
        s.fired = true;
        w = std::move(s.waiter);
    }
    // Wake outside the lock: waking may run arbitrary code (it may even poll the task inline).
    if (w) std::move(*w).wake();
}

af::task<int> wait_then_answer(std::shared_ptr<signal_state> s) {
    co_await signal_future(s);
    co_return 42;
}

int main() {
    auto s = std::make_shared<signal_state>();
    std::thread t([s] { fire(*s); });
    // block_on sleeps while the task is pending; the other thread's wake() gets it going.
    assert(af::block_on(wait_then_answer(s)) == 42);
    t.join();
}

// SPDX-License-Identifier: MIT
// The thread parker behind af::block_on.
//
// Each thread owns one reference-counted parker; wakers hold references, so waking a parker
// whose thread has exited is harmless. A wake sets `notified` and futex-wakes the thread (C++20
// atomic wait/notify); park sleeps until `notified` is set and clears it. A wake before park is
// never lost: park sees the flag and returns at once.
#include "af/executor/block_on.hpp"

#include <atomic>

#include "af/core/wakeable.hpp"

namespace af::detail {
namespace {

class parker final : public wakeable {
public:
    void wake() noexcept override {
        // Release: what the waker wrote before waking is visible to the parked thread.
        if (!notified_.exchange(true, std::memory_order_release)) notified_.notify_one();
    }
    void park() noexcept {
        // Acquire pairs with the release in wake().
        while (!notified_.exchange(false, std::memory_order_acquire)) notified_.wait(false, std::memory_order_acquire);
    }

private:
    std::atomic<bool> notified_{false};
};

parker& current_parker() {
    thread_local wakeable_ptr<parker> p = make_wakeable<parker>();
    return *p;
}

}  // namespace

waker current_thread_waker() { return waker::from(current_parker()); }
void park_current_thread() { current_parker().park(); }
void unpark_current_thread() { current_parker().wake(); }

}  // namespace af::detail

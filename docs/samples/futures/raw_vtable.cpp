// SPDX-License-Identifier: MIT
// A waker written against raw_waker_vtable directly: no allocation, no virtual call.
#include <af/af.hpp>

#include <atomic>
#include <cassert>

// The data pointer is a plain counter that outlives every waker made from it, so clone and
// drop have nothing to do. A waker pointing at a heap object would count references there.
struct counter_waker {
    static af::raw_waker clone(void* data) noexcept { return {data, &vtable}; }
    static void wake(void* data) noexcept { wake_by_ref(data); }  // nothing to release
    static void wake_by_ref(void* data) noexcept {
        // Relaxed: a statistic, nothing else is published through it.
        static_cast<std::atomic<int>*>(data)->fetch_add(1, std::memory_order_relaxed);
    }
    static void drop(void*) noexcept {}

    static constexpr af::raw_waker_vtable vtable{&clone, &wake, &wake_by_ref, &drop};
};

int main() {
    std::atomic<int> wakes{0};
    af::waker w = af::waker::from_raw({&wakes, &counter_waker::vtable});

    af::waker copy = w;  // clone
    assert(copy.will_wake(w));
    copy.wake_by_ref();
    std::move(copy).wake();  // consumes the clone
    assert(wakes == 2);

    // A future sees the waker through its context, whatever the waker's implementation.
    af::context cx(w);
    af::yield_now_future y = af::yield_now();
    assert(y.poll(cx).is_pending() && wakes == 3);  // yield_now wakes itself before pending
    assert(y.poll(cx).is_ready());
}

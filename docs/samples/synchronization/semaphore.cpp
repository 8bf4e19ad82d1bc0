// SPDX-License-Identifier: MIT
// semaphore: bound how many tasks run a section at once; big requests are not starved.
#include <af/af.hpp>
#include <af/executor/thread_pool.hpp>
#include <af/sync.hpp>

#include <atomic>
#include <cassert>
#include <vector>

af::sync::semaphore slots(3);  // at most three "downloads" at once
std::atomic<int> running{0}, peak{0};

af::task<> download() {
    auto permit = co_await slots.acquire();  // suspends (does not block) while three run
    int now = running.fetch_add(1) + 1;
    for (int seen = peak.load(); now > seen && !peak.compare_exchange_weak(seen, now);) {}
    co_await af::yield_now();  // pretend to wait for the network
    running.fetch_sub(1);
}  // the permit goes back here and wakes the next waiter

int main() {
    {
        af::executor::thread_pool pool(4);
        std::vector<af::join_handle<void>> hs;
        for (int i = 0; i < 20; ++i) hs.push_back(pool.spawn(download()));
        for (auto& h : hs) af::block_on(std::move(h));
    }
    assert(peak.load() <= 3);
    assert(slots.available_permits() == 3);

    // try_acquire never suspends; it fails while anyone waits, so it cannot jump the queue.
    auto a = slots.try_acquire(2);
    assert(a && a->count() == 2);
    assert(!slots.try_acquire(2));  // only one left
    // Stepping by hand shows FIFO fairness: a waiter that needs three permits takes the free
    // one and keeps it; a later small request cannot overtake it.
    af::waker w = af::waker::noop();
    af::context cx(w);
    auto big = slots.acquire(3);
    assert(big.poll(cx).is_pending());
    assert(slots.available_permits() == 0);  // the free permit is assigned to `big`
    assert(!slots.try_acquire(1));
    a.reset();                               // two permits back: `big` is complete
    assert(big.poll(cx).is_ready());         // (its permit dies with this expression)
    assert(slots.available_permits() == 3);
}

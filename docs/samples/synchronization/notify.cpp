// SPDX-License-Identifier: MIT
// notify: a signal without data. notify_one stores a permit when nobody waits yet.
#include <af/af.hpp>
#include <af/executor/local_pool.hpp>
#include <af/executor/thread_pool.hpp>
#include <af/sync.hpp>

#include <atomic>
#include <cassert>

af::sync::notify data_ready;
std::atomic<int> data{0};

af::task<int> consumer() {
    co_await data_ready.notified();
    co_return data.load();
}

int main() {
    af::executor::thread_pool pool(2);
    // The producer may notify before the consumer waits: the stored permit covers that race.
    data.store(42);
    data_ready.notify_one();
    auto h = pool.spawn(consumer());
    assert(af::block_on(std::move(h)) == 42);

    // notify_waiters wakes everyone waiting now (and stores nothing for later). A local_pool
    // lets us step the tasks until both are waiting.
    af::executor::local_pool local;
    int woken = 0;
    for (int i = 0; i < 2; ++i) {
        local.spawn([&woken]() -> af::task<> {
            co_await data_ready.notified();
            ++woken;
        }).detach();
    }
    local.run_until_stalled();
    assert(woken == 0);
    data_ready.notify_waiters();
    local.run_until_stalled();
    assert(woken == 2);
}

// SPDX-License-Identifier: MIT
// mpsc: four producer threads, one consumer task, a bounded queue for backpressure; then the
// calls that never wait (try_send, try_reserve, try_recv) and a batch receive (recv_many).
#include <af/channel.hpp>
#include <af/af.hpp>

#include <cassert>
#include <thread>
#include <vector>

af::task<long> total(af::channel::mpsc::receiver<long>& rx) {
    long sum = 0;
    std::vector<long> batch;
    // Up to 64 queued values per wake-up; 0 only once all senders are gone and all is read.
    while (std::size_t n = co_await rx.recv_many(batch, 64)) {
        for (std::size_t i = 0; i < n; ++i) sum += batch[i];
        batch.clear();
    }
    co_return sum;
}

int main() {
    auto [tx, rx] = af::channel::mpsc::bounded<long>(16);
    std::vector<std::thread> producers;
    for (long p = 0; p < 4; ++p) {
        producers.emplace_back([tx = tx, p] {  // every copy of the sender counts
            for (long i = 1; i <= 1000; ++i) {
                // A plain thread blocks; a task would `co_await tx.send(v)` instead.
                auto r = tx.blocking_send(p * 1000 + i);  // waits while 16 are queued
                assert(r);
            }
        });
    }
    { auto last = std::move(tx); }  // only the producers' copies remain
    long sum = af::block_on(total(rx));
    for (auto& t : producers) t.join();
    assert(sum == 4000L * 4001L / 2);

    // try_send never waits: it reports `full` and hands the value back.
    auto [tx2, rx2] = af::channel::mpsc::bounded<int>(2);
    assert(tx2.try_send(1) && tx2.capacity() == 1 && tx2.max_capacity() == 2);
    auto permit = tx2.try_reserve();  // the last slot, held
    assert(permit && tx2.capacity() == 0);
    auto r = tx2.try_send(2);
    assert(r.is_full() && r.take_value() == 2);
    permit->send(2);

    // try_recv: a value, `empty` (a sender may still send) or `closed` (none ever will).
    assert(rx2.try_recv().take_value() == 1);
    assert(rx2.try_recv().take_value() == 2);
    assert(rx2.try_recv().is_empty());
    rx2.close();
    assert(tx2.try_send(3).is_closed());
    assert(rx2.try_recv().is_closed());
}

// SPDX-License-Identifier: MIT
// mpsc: four producer threads, one consumer task, a bounded queue for backpressure.
#include <af/channel.hpp>
#include <af/af.hpp>

#include <cassert>
#include <thread>
#include <vector>

af::task<long> total(af::channel::mpsc::receiver<long>& rx) {
    long sum = 0;
    while (std::optional<long> v = co_await rx.recv()) sum += *v;  // ends when all senders drop
    co_return sum;
}

int main() {
    auto [tx, rx] = af::channel::mpsc::bounded<long>(16);
    std::vector<std::thread> producers;
    for (long p = 0; p < 4; ++p) {
        producers.emplace_back([tx = tx, p] {  // every copy of the sender counts
            for (long i = 1; i <= 1000; ++i) {
                auto r = af::block_on(tx.send(p * 1000 + i));  // waits while 16 are queued
                assert(r);
            }
        });
    }
    { auto last = std::move(tx); }  // only the producers' copies remain
    long sum = af::block_on(total(rx));
    for (auto& t : producers) t.join();
    assert(sum == 4000L * 4001L / 2);

    // try_send never waits: it reports `full` and hands the value back.
    auto [tx2, rx2] = af::channel::mpsc::bounded<int>(1);
    assert(tx2.try_send(1));
    auto r = tx2.try_send(2);
    assert(r.is_full() && r.take_value() == 2);
    rx2.close();
    assert(tx2.try_send(3).is_closed());
}

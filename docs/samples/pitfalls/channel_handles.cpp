// SPDX-License-Identifier: MIT
// Pitfall: a channel handle's receiving members need the handle to themselves. One handle per
// thread (or task): subscribe() or copy a sender for each, instead of sharing one.
#include <af/af.hpp>
#include <af/channel/broadcast.hpp>

#include <cassert>
#include <thread>
#include <vector>

int main() {
    namespace bc = af::channel::broadcast;
    auto [tx, rx] = bc::channel<int>(16);
    std::vector<int> totals(2, 0);
    // Each thread gets its own receiver; sharing `rx` between them would be a data race.
    std::vector<bc::receiver<int>> own;
    own.push_back(std::move(rx));
    own.push_back(tx.subscribe());
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
        threads.emplace_back([&totals, i, r = std::move(own[static_cast<std::size_t>(i)])]() mutable {
            totals[static_cast<std::size_t>(i)] = af::block_on([](bc::receiver<int>& rr) -> af::task<int> {
                int sum = 0;
                for (;;) {
                    auto got = co_await rr.recv();
                    if (got.is_closed()) co_return sum;
                    if (got.is_received()) sum += got.take_value();
                }
            }(r));
        });
    }
    for (int v = 1; v <= 4; ++v) (void)tx.send(v);  // a sender's send is const: fine from any thread
    { auto gone = std::move(tx); }                  // the last sender leaves: receivers end
    for (auto& t : threads) t.join();
    assert(totals[0] == 10 && totals[1] == 10);
}

// SPDX-License-Identifier: MIT
// Pitfall: dropping a join handle does not cancel the task; it detaches it. Call abort().
#include <af/af.hpp>
#include <af/executor/local_pool.hpp>

#include <cassert>

int main() {
    af::executor::local_pool pool;
    int ticks = 0;
    auto ticker = [](int& n) -> af::task<void> {
        for (;;) {
            ++n;
            co_await af::yield_now();
            if (n == 5) co_return;
        }
    };
    { auto dropped = pool.spawn(ticker(ticks)); }  // handle gone: the task runs on regardless
    pool.run_until_stalled();
    assert(ticks == 5);

    int other = 0;
    auto h = pool.spawn(ticker(other));
    h.abort();  // this is how to stop it
    pool.run_until_stalled();
    assert(other == 0);
}

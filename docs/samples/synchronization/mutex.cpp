// SPDX-License-Identifier: MIT
// mutex<T>: the lock owns the value; the guard is the only way to reach it.
#include <af/af.hpp>
#include <af/executor/thread_pool.hpp>
#include <af/sync.hpp>

#include <cassert>
#include <map>
#include <string>
#include <vector>

af::task<> count_words(af::sync::mutex<std::map<std::string, int>>& counts, std::vector<std::string> words) {
    for (auto& w : words) {
        auto g = co_await counts.lock();  // FIFO: waiters get the lock in arrival order
        ++(*g)[w];
        co_await af::yield_now();         // holding an async mutex across a suspension is fine
    }
}  // each guard unlocks when it goes out of scope

int main() {
    af::sync::mutex<std::map<std::string, int>> counts;
    {
        af::executor::thread_pool pool(4);
        std::vector<af::join_handle<void>> hs;
        for (int t = 0; t < 4; ++t) hs.push_back(pool.spawn(count_words(counts, {"a", "b", "a"})));
        for (auto& h : hs) af::block_on(std::move(h));
    }
    auto g = counts.try_lock();  // free now: never suspends
    assert(g);
    assert((**g)["a"] == 8 && (**g)["b"] == 4);
    assert(!counts.try_lock());  // but not twice
}

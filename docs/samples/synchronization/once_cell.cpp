// SPDX-License-Identifier: MIT
// once_cell<T>: async initialization that runs once, however many tasks ask at the same time.
#include <af/af.hpp>
#include <af/executor/thread_pool.hpp>
#include <af/sync.hpp>

#include <atomic>
#include <cassert>
#include <string>
#include <vector>

af::sync::once_cell<std::string> greeting;
std::atomic<int> loads{0};

af::task<std::string> load_greeting() {
    loads.fetch_add(1);
    co_await af::yield_now();  // pretend to read a file
    co_return "hello";
}

af::task<std::size_t> handler() {
    const std::string& g = co_await greeting.get_or_init(load_greeting);
    co_return g.size();
}

int main() {
    af::executor::thread_pool pool(4);
    std::vector<af::join_handle<std::size_t>> hs;
    for (int i = 0; i < 10; ++i) hs.push_back(pool.spawn(handler()));
    for (auto& h : hs) assert(af::block_on(std::move(h)) == 5);
    assert(loads.load() == 1);     // ten callers, one initialization
    assert(*greeting.get() == "hello");
}

// SPDX-License-Identifier: MIT
// thread_pool: spawn tasks onto worker threads and collect their outputs through join handles.
#include <af/af.hpp>
#include <af/executor/thread_pool.hpp>

#include <cassert>
#include <cstdint>
#include <string>
#include <vector>

af::task<std::uint64_t> sum_range(std::uint64_t begin, std::uint64_t end) {
    std::uint64_t s = 0;
    for (std::uint64_t i = begin; i < end; ++i) {
        s += i;
        if (i % 10'000 == 0) co_await af::yield_now();  // be a good neighbour on a shared worker
    }
    co_return s;
}

int main() {
    af::executor::thread_pool pool(2);

    std::vector<af::join_handle<std::uint64_t>> handles;
    for (std::uint64_t k = 0; k < 8; ++k) handles.push_back(pool.spawn(sum_range(k * 100'000, (k + 1) * 100'000)));

    std::uint64_t total = 0;
    for (auto& h : handles) total += af::block_on(std::move(h));  // the handle is a future
    assert(total == 799'999ULL * 800'000ULL / 2);

    // Spawning a lambda: the pool keeps the lambda (and its captures) alive in the task.
    std::string greeting = "hello from a worker";
    auto h = pool.spawn([g = greeting]() -> af::task<std::size_t> {
        co_await af::yield_now();
        co_return g.size();
    });
    assert(af::block_on(std::move(h)) == greeting.size());
}

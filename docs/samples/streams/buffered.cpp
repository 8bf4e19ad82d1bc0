// SPDX-License-Identifier: MIT
// Concurrency inside one stream: buffered keeps input order, buffer_unordered does not.
#include <af/af.hpp>
#include <af/stream.hpp>

#include <algorithm>
#include <cassert>
#include <vector>

namespace streams = af::streams;

// A job that takes `steps` polls to finish.
af::task<int> job(int id, int steps) {
    for (int i = 0; i < steps; ++i) co_await af::yield_now();
    co_return id;
}

int main() {
    std::vector<int> steps{3, 1, 2, 0};
    auto jobs = [&] {
        return streams::iter(std::vector<int>{0, 1, 2, 3}) |
               streams::map([&](int id) { return job(id, steps[static_cast<std::size_t>(id)]); });
    };

    // Up to two jobs run at once; outputs come out in input order.
    auto ordered = af::block_on(jobs() | streams::buffered(2) | streams::collect());
    assert((ordered == std::vector<int>{0, 1, 2, 3}));

    // Up to two at once; outputs come out as jobs finish.
    auto unordered = af::block_on(jobs() | streams::buffer_unordered(2) | streams::collect());
    assert(unordered.size() == 4 && unordered.front() == 1);  // job 1 is the quickest of the first two
    std::sort(unordered.begin(), unordered.end());
    assert((unordered == std::vector<int>{0, 1, 2, 3}));

    // for_each_concurrent: run a future per item, at most three at a time, and wait for all.
    int done = 0;
    af::block_on(jobs() | streams::for_each_concurrent(3, [&](af::task<int> t) {
                     return af::map(std::move(t), [&](int) { ++done; });
                 }));
    assert(done == 4);
}

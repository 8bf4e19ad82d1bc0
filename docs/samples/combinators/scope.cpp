// SPDX-License-Identifier: MIT
// af::scope: structured concurrency; children may borrow the awaiting task's locals.
#include <af/af.hpp>

#include <cassert>
#include <cstddef>
#include <numeric>
#include <vector>

// Borrows `data` and `out` by reference: safe because the scope that runs this child is awaited
// (and so finishes) before the caller's locals are destroyed.
af::task<void> sum_part(const std::vector<int>& data, std::size_t begin, std::size_t end, long& out) {
    for (std::size_t i = begin; i < end; ++i) {
        out += data[i];
        if (i % 100 == 0) co_await af::yield_now();  // let the sibling children run
    }
}

af::task<long> parallel_sum(std::vector<int> data) {
    std::vector<long> partial(4, 0);
    af::scope s;  // declared after what the children borrow: it is destroyed first
    std::size_t chunk = data.size() / partial.size();
    for (std::size_t k = 0; k < partial.size(); ++k)
        s.spawn(sum_part(data, k * chunk, (k + 1) * chunk, partial[k]));
    co_await s;  // every child has finished here
    co_return std::accumulate(partial.begin(), partial.end(), 0L);
}

int main() {
    std::vector<int> data(1000);
    std::iota(data.begin(), data.end(), 1);
    assert(af::block_on(parallel_sum(data)) == 1000L * 1001 / 2);
}

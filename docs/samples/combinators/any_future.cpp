// SPDX-License-Identifier: MIT
// any_future / boxed: one type for different futures with the same output.
#include <af/af.hpp>

#include <cassert>
#include <vector>

// Different branches build different future types; boxing gives them one return type.
af::any_future<int> pick(int how) {
    if (how == 0) return af::boxed(af::ready(10));
    if (how == 1) return af::boxed(af::map(af::yield_now(), [] { return 20; }));
    return af::boxed(af::lazy([] { return 30; }));
}

af::task<int> sum(std::vector<af::any_future<int>> fs) {
    int total = 0;
    for (auto& f : fs) total += co_await f;
    co_return total;
}

int main() {
    std::vector<af::any_future<int>> fs;
    for (int i = 0; i < 3; ++i) fs.push_back(pick(i));
    assert(af::block_on(sum(std::move(fs))) == 60);
}

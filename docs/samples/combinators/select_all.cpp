// SPDX-License-Identifier: MIT
// select_all: take the first finished future of a vector, and get the others back.
#include <af/af.hpp>
#include <af/future/select_all.hpp>

#include <cassert>
#include <vector>

af::task<int> after(int turns) {
    for (int i = 0; i < turns; ++i) co_await af::yield_now();
    co_return turns;
}

af::task<std::vector<int>> completion_order() {
    std::vector<af::task<int>> fs;
    for (int t : {6, 1, 3}) fs.push_back(after(t));

    std::vector<int> order;
    while (!fs.empty()) {
        auto r = co_await af::select_all(std::move(fs));
        order.push_back(r.value);
        fs = std::move(r.rest);  // the losers, still running, in input order
    }
    co_return order;
}

int main() { assert((af::block_on(completion_order()) == std::vector<int>{1, 3, 6})); }

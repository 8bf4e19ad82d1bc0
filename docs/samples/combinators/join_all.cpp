// SPDX-License-Identifier: MIT
// join_all: wait for a vector of futures of one type; outputs come back in input order.
#include <af/af.hpp>
#include <af/future/join_all.hpp>

#include <cassert>
#include <vector>

// Finishes after `delay` turns, so later inputs may finish first.
af::task<int> square_after(int x, int delay) {
    for (int i = 0; i < delay; ++i) co_await af::yield_now();
    co_return x * x;
}

int main() {
    std::vector<af::task<int>> fs;
    for (int i = 0; i < 5; ++i) fs.push_back(square_after(i, 5 - i));

    std::vector<int> squares = af::block_on(af::join_all(std::move(fs)));
    assert((squares == std::vector<int>{0, 1, 4, 9, 16}));  // input order, not completion order
}

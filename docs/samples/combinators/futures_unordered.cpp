// SPDX-License-Identifier: MIT
// futures_unordered: many futures, outputs in completion order, more added while it runs.
#include <af/af.hpp>
#include <af/future/futures_unordered.hpp>

#include <cassert>
#include <optional>
#include <vector>

af::task<int> after(int turns) {
    for (int i = 0; i < turns; ++i) co_await af::yield_now();
    co_return turns;
}

af::task<std::vector<int>> completion_order() {
    af::futures_unordered<af::task<int>> set;
    for (int t : {6, 1, 3}) set.push(after(t));

    std::vector<int> order;
    while (std::optional<int> v = co_await set.next()) {  // std::nullopt once the set is empty
        order.push_back(*v);
        if (*v == 1) set.push(after(2));  // new work may join while the others run
    }
    co_return order;
}

int main() {
    // The newcomer needs only 2 turns but started late, so the 3-turn future beats it.
    assert((af::block_on(completion_order()) == std::vector<int>{1, 3, 2, 6}));
}

// SPDX-License-Identifier: MIT
// af::streams constructors and adaptors composed with the pipe.
#include <af/af.hpp>
#include <af/stream.hpp>

#include <cassert>
#include <string>
#include <utility>
#include <vector>

namespace streams = af::streams;

af::async_generator<int> ticks(int n) {
    for (int i = 0; i < n; ++i) {
        co_await af::yield_now();
        co_yield i;
    }
}

int main() {
    // map, filter, take and collect: the item type follows each step.
    auto odd_squares = af::block_on(ticks(100)                                          //
                                    | streams::filter([](const int& v) { return v % 2 == 1; })  //
                                    | streams::map([](int v) { return v * v; })              //
                                    | streams::take(3)                                      //
                                    | streams::collect());
    assert((odd_squares == std::vector<int>{1, 9, 25}));

    // zip numbers names; enumerate would do the same with an index.
    auto names = streams::iter(std::vector<std::string>{"ada", "bob"});
    auto pairs = af::block_on(std::move(names) | streams::zip(ticks(5)) | streams::collect());
    assert(pairs.size() == 2 && pairs[1] == std::pair(std::string("bob"), 1));

    // fold consumes a stream into one value.
    int sum = af::block_on(streams::iter(std::vector<int>{1, 2, 3, 4}) | streams::fold(0, [](int a, int v) { return a + v; }));
    assert(sum == 10);

    // by_ref borrows a stream: take two items, then keep reading the same stream.
    auto s = ticks(5);
    auto head = af::block_on(streams::by_ref(s) | streams::take(2) | streams::collect());
    auto rest = af::block_on(streams::by_ref(s) | streams::collect());
    assert((head == std::vector<int>{0, 1}));
    assert((rest == std::vector<int>{2, 3, 4}));
}

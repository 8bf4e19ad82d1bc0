// SPDX-License-Identifier: MIT
// An exception thrown in an awaited future comes out of the co_await, like a normal call.
#include <af/af.hpp>

#include <cassert>
#include <stdexcept>
#include <string>

af::task<int> fetch(int id) {
    co_await af::yield_now();
    if (id < 0) throw std::out_of_range("no such id");
    co_return id * 10;
}

af::task<int> fetch_or_default(int id) {
    try {
        co_return co_await fetch(id);
    } catch (const std::out_of_range&) {
        co_return -1;  // handled here: the caller never sees it
    }
}

af::task<int> sum_two(int a, int b) {
    int x = co_await fetch(a);
    int y = co_await fetch(b);  // throws: sum_two ends here and rethrows to its own awaiter
    co_return x + y;
}

int main() {
    assert(af::block_on(fetch_or_default(4)) == 40);
    assert(af::block_on(fetch_or_default(-4)) == -1);

    std::string message;
    try {
        af::block_on(sum_two(1, -2));
    } catch (const std::out_of_range& e) {
        message = e.what();
    }
    assert(message == "no such id");
}

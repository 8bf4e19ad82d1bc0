// SPDX-License-Identifier: MIT
// join: run futures concurrently on one thread and wait for all of them.
#include <af/af.hpp>
#include <af/future/join.hpp>
#include <af/future/try_join.hpp>

#include <cassert>
#include <iostream>
#include <stdexcept>
#include <string>
#include <variant>

af::task<int> worker(std::string name, int steps) {
    for (int i = 1; i <= steps; ++i) {
        std::cout << name << " step " << i << '\n';
        co_await af::yield_now();  // pending once: join moves on to the other child
    }
    co_return steps * 10;
}

af::task<int> failing() {
    co_await af::yield_now();
    throw std::runtime_error("failing gave up");
}

af::task<void> demo() {
    // Both workers make progress in turns; the outputs come back as a tuple, in argument order.
    auto [a, b] = co_await af::join(worker("a", 2), worker("b", 3));
    std::cout << "a=" << a << " b=" << b << '\n';

    // A void child contributes std::monostate, so every position holds a value.
    auto [nothing, seven] = co_await af::join(af::yield_now(), af::ready(7));
    static_assert(std::is_same_v<decltype(nothing), std::monostate>);
    assert(seven == 7);

    // try_join stops at the first exception: the other child is cancelled (destroyed) at once.
    try {
        co_await af::try_join(worker("c", 100), failing());
    } catch (const std::runtime_error& e) {
        std::cout << "caught: " << e.what() << '\n';
    }
}

int main() { af::block_on(demo()); }

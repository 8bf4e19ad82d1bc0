// SPDX-License-Identifier: MIT
// af's first demo: a hand-written leaf future, tasks, join, select, block_on and a thread pool.
// Prints "3 7 picked 1" then "42".
#include <af/af.hpp>
#include <cstdio>
#include <string>

struct countdown {                    // a hand-written leaf future
    using output = int;
    int n;
    af::poll<int> poll(af::context& cx) {
        if (n == 0) return 42;
        --n;
        cx.waker().wake_by_ref();
        return af::pending;
    }
};

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    countdown three{3};                   // named: see "GCC 12 and temporaries" in the book
    int k = co_await three;
    co_return a + b + k - 42;
}

af::task<std::string> demo() {
    auto [x, y] = co_await af::join(add_later(1, 2), add_later(3, 4));
    auto won = co_await af::select(af::never<int>(), af::ready(std::string("picked")));
    co_return std::to_string(x) + " " + std::to_string(y) + " " + std::get<1>(won) + " " +
              std::to_string(won.index());
}

int main() {
    std::puts(af::block_on(demo()).c_str());
    af::executor::thread_pool pool(2);
    auto h = pool.spawn(add_later(20, 22));
    std::printf("%d\n", af::block_on(std::move(h)));
}

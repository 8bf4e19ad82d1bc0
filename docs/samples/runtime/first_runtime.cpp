// SPDX-License-Identifier: MIT
// A runtime, two tasks in parallel, and a timer.
#include <af/rt.hpp>
#include <af/time.hpp>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

af::task<int> slow_square(int x) {
    co_await af::time::sleep(5ms);  // stands for real work: I/O, a timer, a lock
    co_return x * x;
}

af::task<int> app() {
    af::join_handle<int> a = af::rt::spawn(slow_square(3));  // both start now,
    af::join_handle<int> b = af::rt::spawn(slow_square(4));  // on the workers
    int sum = co_await std::move(a) + co_await std::move(b);
    co_return sum;
}

int main() {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_time().build();
    int r = rt.block_on(app());
    std::printf("3*3 + 4*4 = %d\n", r);
}

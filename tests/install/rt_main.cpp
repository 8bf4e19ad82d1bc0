// SPDX-License-Identifier: MIT
// The runtime from an installed af: links af::rt, so the package config must bring its
// dependencies (threads, and liburing when af was built with the io_uring reactor).
#include <af/rt.hpp>
#include <af/time.hpp>

#include <chrono>
#include <cstdio>

int main() {
    int r = af::rt::run([]() -> af::task<int> {
        co_await af::time::sleep(std::chrono::milliseconds(1));
        co_return 42;
    });
    std::printf("runtime: %d\n", r);
    return r == 42 ? 0 : 1;
}

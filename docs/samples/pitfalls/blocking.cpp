// SPDX-License-Identifier: MIT
// Pitfall: blocking a runtime thread stalls every task queued behind it. Use spawn_blocking.
#include <af/rt.hpp>

#include <cassert>
#include <chrono>
#include <thread>

int slow_legacy_call() {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a blocking C API, say
    return 42;
}

int main() {
    int v = af::rt::run([]() -> af::task<int> {
        // Not `slow_legacy_call()` here: the worker thread would sleep, and every task on it too.
        int r = co_await af::rt::spawn_blocking(slow_legacy_call);  // runs on the blocking pool
        co_return r;
    });
    assert(v == 42);
}

// SPDX-License-Identifier: MIT
// The README's runtime taste: af::rt::run, a spawned task that sleeps, and its join handle.
// Exits 0; CTest runs it and readme.runtime_taste_matches_example keeps the README's copy equal.
#include <af/rt.hpp>
#include <af/time.hpp>
using namespace std::chrono_literals;

int main() {
    return af::rt::run([]() -> af::task<int> {
        auto h = af::rt::spawn([]() -> af::task<int> { co_await af::time::sleep(10ms); co_return 0; });
        co_return co_await std::move(h);        // spawned on the worker threads, joined here
    });
}

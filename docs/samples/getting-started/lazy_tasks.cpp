// SPDX-License-Identifier: MIT
// Tasks are lazy: calling an async function runs nothing until the task is polled.
#include <af/af.hpp>

#include <cassert>

int steps = 0;

af::task<int> count_step() {
    ++steps;
    co_return steps;
}

int main() {
    af::task<int> t = count_step();
    assert(steps == 0);  // the body has not started: no thread, no executor was involved

    int result = af::block_on(std::move(t));
    assert(result == 1 && steps == 1);

    // A task that is never polled never runs; dropping it just frees its frame.
    {
        af::task<int> unused = count_step();
    }
    assert(steps == 1);
}

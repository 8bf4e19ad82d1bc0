// SPDX-License-Identifier: MIT
// The first af program: an async function, awaited by another, run by block_on.
#include <af/af.hpp>

#include <iostream>
#include <string>

// An async function: calling it builds a task, running it is someone else's job.
af::task<std::string> greeting(std::string name) {
    co_await af::yield_now();  // give up the thread once, as if waiting for I/O
    co_return "hello, " + name;
}

af::task<int> async_main() {
    std::string text = co_await greeting("af");
    std::cout << text << '\n';
    co_return 0;
}

int main() {
    // block_on is the bridge from ordinary code into async code: it polls the task on this
    // thread and sleeps whenever the task is waiting.
    return af::block_on(async_main());
}

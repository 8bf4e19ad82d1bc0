// SPDX-License-Identifier: MIT
// local_pool: many tasks, one thread, and you decide when they run.
#include <af/af.hpp>
#include <af/executor/local_pool.hpp>

#include <iostream>
#include <string>

af::task<void> ticker(std::string name, int ticks) {
    for (int i = 1; i <= ticks; ++i) {
        std::cout << name << ' ' << i << '\n';
        co_await af::yield_now();
    }
}

// A task can spawn more work onto its own executor through a spawner.
af::task<int> parent(af::executor::spawner sp) {
    af::join_handle<int> child = sp.spawn([]() -> af::task<int> { co_return 42; });
    co_return co_await std::move(child);  // a join handle is a future of the task's output
}

int main() {
    af::executor::local_pool pool;
    pool.spawn(ticker("a", 2)).detach();  // detached: runs on, nobody awaits its output
    pool.spawn(ticker("b", 2)).detach();

    // Nothing has run yet: spawned tasks run inside run*() calls, on this thread.
    std::cout << "spawned\n";
    pool.run_until_stalled();  // run everything that is ready until nothing is
    std::cout << "stalled\n";

    // run_until drives one future together with the pool's tasks and returns its output.
    int v = pool.run_until(parent(pool.spawner()));
    std::cout << "parent got " << v << '\n';
}

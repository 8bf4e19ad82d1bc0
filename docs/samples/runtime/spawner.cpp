// SPDX-License-Identifier: MIT
// "Where to run my tasks": a library class stores an af::any_spawner that its user fills with
// a runtime's handle or a thread pool's spawner; a foreign thread enters the runtime.
#include <af/executor.hpp>
#include <af/rt.hpp>
#include <af/time.hpp>

#include <cassert>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

using namespace std::chrono_literals;

// The library: not a template, and it does not care what runs its tasks.
class greeter {
public:
    explicit greeter(af::any_spawner where) : where_(std::move(where)) {}

    af::join_handle<std::string> greet(std::string name) {
        // Spawned futures may run on another thread: capture by value.
        return where_.spawn([name = std::move(name)]() -> af::task<std::string> {
            co_await af::yield_now();
            co_return "hello, " + name;
        });
    }

private:
    af::any_spawner where_;
};

int main() {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_time().build();
    af::executor::thread_pool pool(1);

    greeter on_runtime(rt.handle());
    greeter on_pool(pool.spawner());
    std::printf("%s\n", af::block_on(on_runtime.greet("runtime")).c_str());
    std::printf("%s\n", af::block_on(on_pool.greet("pool")).c_str());

    // A thread the runtime does not own (a C library's callback thread, say) enters it: for
    // the guard's lifetime, af::rt::spawn, sleeps and sockets made there use `rt`.
    std::thread outside([h = rt.handle()] {
        auto guard = h.enter();
        auto child = af::rt::spawn([]() -> af::task<int> {
            co_await af::time::sleep(5ms);
            co_return 42;
        });
        std::printf("child says %d\n", af::block_on(std::move(child)));
        assert(af::rt::handle::try_current().has_value());
    });
    outside.join();

    // Outside any runtime the same calls throw, and say how to fix it.
    try {
        (void)af::rt::handle::current();
    } catch (const std::logic_error& e) {
        std::printf("%s\n", e.what());
    }
}

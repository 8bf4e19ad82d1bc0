// SPDX-License-Identifier: MIT
// Join handles: await the output, abort a task, and see errors arrive where you await.
#include <af/rt.hpp>
#include <af/time.hpp>

#include <cassert>
#include <chrono>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

af::task<void> app() {
    // 1. The handle is the way back: await it for the task's output.
    af::join_handle<int> h = af::rt::spawn([]() -> af::task<int> { co_return 42; });
    assert(co_await std::move(h) == 42);

    // 2. An exception thrown by the task comes out of the await.
    auto failing = af::rt::spawn([]() -> af::task<int> {
        co_await af::rt::yield_now();
        throw std::runtime_error("disk full");
    });
    try {
        co_await std::move(failing);
        assert(false);
    } catch (const std::runtime_error& e) {
        assert(std::string(e.what()) == "disk full");
    }

    // 3. abort() stops a task at its next suspension point; its handle reports cancellation.
    auto slow = af::rt::spawn([]() -> af::task<int> {
        co_await af::time::sleep(1h);
        co_return 1;
    });
    slow.abort();
    bool cancelled = false;
    try {
        co_await std::move(slow);
    } catch (const af::cancelled_error&) {
        cancelled = true;
    }
    assert(cancelled);
}

int main() {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_time().build();
    rt.block_on(app());
}

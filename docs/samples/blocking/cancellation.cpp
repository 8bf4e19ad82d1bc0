// SPDX-License-Identifier: MIT
// Cancelling blocking jobs: abort() removes a job that has not started; a running job always
// finishes (its result is kept).
#include <af/core/task.hpp>
#include <af/rt/runtime.hpp>
#include <af/rt/spawn_blocking.hpp>

#include <atomic>
#include <cassert>
#include <chrono>
#include <thread>

int main() {
    // One blocking thread: the second job has to queue behind the first.
    af::rt::runtime rt = af::rt::builder().current_thread().max_blocking_threads(1).build();
    std::atomic<bool> release{false};
    std::atomic<bool> second_ran{false};

    rt.block_on([&]() -> af::task<void> {
        auto first = af::rt::spawn_blocking([&] {
            while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return 1;
        });
        auto second = af::rt::spawn_blocking([&] {
            second_ran = true;
            return 2;
        });

        second.abort();  // still queued: it will never run
        first.abort();   // may already run: then abort has no effect (a thread cannot be interrupted)
        release = true;

        try {
            int v = co_await std::move(first);
            assert(v == 1);  // it was running, so it finished
        } catch (const af::cancelled_error&) {
            // it had not started yet when aborted
        }
        bool cancelled = false;
        try {
            (void)co_await std::move(second);
        } catch (const af::cancelled_error&) {
            cancelled = true;
        }
        assert(cancelled);
    });
    assert(!second_ran.load());
}

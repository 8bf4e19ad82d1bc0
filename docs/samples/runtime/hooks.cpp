// SPDX-License-Identifier: MIT
// Thread names and start/stop hooks; a handle lets a plain thread hand work to the runtime.
#include <af/rt.hpp>

#include <pthread.h>

#include <atomic>
#include <cassert>
#include <string>
#include <thread>

std::atomic<int> started{0};
std::atomic<int> stopped{0};

af::task<std::string> thread_name_of_worker() {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    co_return std::string(name);
}

int main() {
    {
        af::rt::runtime rt = af::rt::builder()
                                 .multi_thread()
                                 .worker_threads(2)
                                 .thread_name("app-worker")  // shows in top -H, gdb, perf
                                 .on_thread_start([] { started.fetch_add(1); })
                                 .on_thread_stop([] { stopped.fetch_add(1); })
                                 .build();

        // A thread the runtime does not own (a C library's callback thread, say) gets a copy
        // of the handle and uses it to spawn onto the runtime and to wait for the result.
        af::rt::handle h = rt.handle();
        std::thread outside([h] {
            af::join_handle<std::string> jh = h.spawn(thread_name_of_worker());
            std::string name = h.block_on(std::move(jh));
            assert(name == "app-worker");
        });
        outside.join();
        assert(started.load() >= 1);
    }  // dropping the runtime joins its threads: every started thread has stopped
    assert(stopped.load() == started.load());
}

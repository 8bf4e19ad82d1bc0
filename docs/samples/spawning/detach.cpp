// SPDX-License-Identifier: MIT
// Dropping a join handle detaches the task: it runs on, and an exception it throws goes to the
// unhandled-exception hook instead of vanishing.
#include <af/rt.hpp>

#include <atomic>
#include <cassert>
#include <exception>
#include <stdexcept>

std::atomic<int> reported{0};

int main() {
    af::executor::set_unhandled_exception_handler([](std::exception_ptr) { reported.fetch_add(1); });
    {
        af::rt::runtime rt = af::rt::builder().current_thread().build();
        rt.block_on([]() -> af::task<void> {
            af::rt::spawn([]() -> af::task<void> {  // handle dropped: detached
                co_await af::rt::yield_now();
                throw std::runtime_error("nobody is waiting for me");
            });
            while (reported.load() == 0) co_await af::rt::yield_now();
        });
    }
    assert(reported.load() == 1);
    af::executor::set_unhandled_exception_handler(nullptr);
}

// SPDX-License-Identifier: MIT
// join_handle: await a task's output, abort it, or detach it.
#include <af/af.hpp>
#include <af/executor/local_pool.hpp>

#include <cassert>
#include <stdexcept>

int cleanups = 0;

struct cleanup {
    ~cleanup() { ++cleanups; }
};

af::task<int> forever() {
    cleanup c;
    co_await af::never();
    co_return 0;
}

af::task<int> fails() {
    co_await af::yield_now();
    throw std::runtime_error("boom");
}

int main() {
    af::executor::local_pool pool;

    // abort(): the executor destroys the task at its current co_await; awaiting the handle then
    // throws af::cancelled_error.
    af::join_handle<int> h = pool.spawn(forever());
    pool.run_until_stalled();  // forever() is now suspended on never()
    h.abort();
    bool cancelled = false;
    try {
        pool.run_until(std::move(h));
    } catch (const af::cancelled_error&) {
        cancelled = true;
    }
    assert(cancelled && cleanups == 1);

    // The task's exception comes out where the handle is awaited.
    bool caught = false;
    try {
        pool.run_until(pool.spawn(fails()));
    } catch (const std::runtime_error&) {
        caught = true;
    }
    assert(caught);

    // detach(): the task keeps running, nobody gets its output. An exception it throws goes to
    // the unhandled-exception handler instead of being lost silently.
    static int reported = 0;
    auto previous = af::executor::set_unhandled_exception_handler([](std::exception_ptr) { ++reported; });
    pool.spawn(fails()).detach();
    pool.run();
    assert(reported == 1);
    af::executor::set_unhandled_exception_handler(previous);
}

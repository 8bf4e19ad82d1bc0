// SPDX-License-Identifier: MIT
// Bounding a future with a deadline. The runtime starts with a paused clock, so the ten-second
// "slow" answer costs no real time: when every task waits on a timer, the clock jumps to it.
#include <af/af.hpp>
#include <af/rt/runtime.hpp>
#include <af/time.hpp>

#include <cassert>
#include <chrono>
#include <string>

using namespace std::chrono_literals;
using af::time::instant;

af::task<int> slow_answer() {
    co_await af::time::sleep(10s);
    co_return 42;
}

af::task<> app() {
    const instant start = instant::now();

    // Too slow: the result says so, and slow_answer() was destroyed at the deadline.
    af::time::timeout_result<int> late = co_await af::time::timeout(1s, slow_answer());
    assert(late.elapsed() && !late);
    assert(instant::now() - start == 1s);

    // In time: the value.
    af::time::timeout_result<int> ok = co_await af::time::timeout(1min, slow_answer());
    assert(ok && ok.value() == 42);

    // value() on an elapsed result throws: "this must finish in time".
    try {
        af::time::timeout_result<int> r = co_await af::time::timeout_at(instant::now() + 5s, slow_answer());
        (void)r.value();
        assert(false);
    } catch (const af::time::elapsed_error& e) {
        assert(std::string(e.what()) == "deadline has elapsed");
    }

    // Futures without a value work too.
    af::time::timeout_result<void> done = co_await af::time::timeout(1s, af::time::sleep(10ms));
    assert(done);
}

int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().start_paused().build();
    rt.block_on(app());
}

// SPDX-License-Identifier: MIT
// Sleeping on the real clock: a sleep suspends the task, not the thread, so two sleeps awaited
// together take as long as the longer one.
#include <af/af.hpp>
#include <af/rt/runtime.hpp>
#include <af/time.hpp>

#include <cassert>
#include <chrono>

using namespace std::chrono_literals;

af::task<> app() {
    const auto start = af::time::instant::now();
    co_await af::time::sleep(20ms);
    assert(start.elapsed() >= 20ms);  // never early (deadlines round up to the next millisecond)

    const auto again = af::time::instant::now();
    co_await af::join(af::time::sleep(30ms), af::time::sleep(30ms));
    assert(again.elapsed() >= 30ms);

    // sleep_until takes an instant; a deadline already passed is ready at once.
    co_await af::time::sleep_until(start);
}

int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().build();
    rt.block_on(app());
}

// SPDX-License-Identifier: MIT
// Testing time-dependent code with a paused clock: a day of sleeping takes no real time, and
// advance() steps the clock by hand where the order of events matters.
#include <af/af.hpp>
#include <af/rt/runtime.hpp>
#include <af/time.hpp>

#include <cassert>
#include <chrono>
#include <vector>

using namespace std::chrono_literals;
using af::time::instant;

// Code under test: retries with a growing delay, gives up after four attempts.
af::task<int> retry(std::vector<instant>& attempts) {
    auto delay = 1s;
    for (int i = 0; i < 4; ++i) {
        attempts.push_back(instant::now());
        co_await af::time::sleep(delay);
        delay *= 2;
    }
    co_return 4;
}

af::task<> step_by_hand(std::vector<int>& log) {
    co_await af::time::advance(10ms);  // fires the 10 ms sleeper, then lets it run
    log.push_back(0);
    co_await af::time::advance(10ms);
    log.push_back(0);
}

af::task<> sleeper(std::vector<int>& log, int id, std::chrono::milliseconds d) {
    co_await af::time::sleep(d);
    log.push_back(id);
}

af::task<> app() {
    // 1. Auto-advance: every task waits on a timer, so the clock jumps to the next deadline.
    const auto real_start = std::chrono::steady_clock::now();
    std::vector<instant> attempts;
    const instant start = instant::now();
    int n = co_await retry(attempts);
    assert(n == 4);
    assert(attempts[3] - start == 7s);          // 1 + 2 + 4 seconds of backoff
    assert(instant::now() - start == 15s);      // + the last 8 s
    assert(std::chrono::steady_clock::now() - real_start < 5s);

    // 2. advance() by hand: the sleeper due at +10 ms runs before the stepper goes on.
    std::vector<int> log;
    co_await af::join(sleeper(log, 1, 10ms), sleeper(log, 2, 20ms), step_by_hand(log));
    assert((log == std::vector<int>{1, 0, 2, 0}));

    // 3. resume() lets the clock run again from where it stands (15 s and 20 ms ahead of where
    //    it started): real sleeps are on time, measured on that clock.
    af::time::resume();
    const instant before = instant::now();
    co_await af::time::sleep(2ms);
    assert(instant::now() - before >= 2ms);
    assert(std::chrono::steady_clock::now() - real_start < 5s);
}

int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().start_paused().build();
    rt.block_on(app());
}

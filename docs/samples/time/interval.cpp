// SPDX-License-Identifier: MIT
// Periodic ticks on a paused clock (so the output is exact): the schedule does not drift with
// the work done between ticks, and missed ticks are handled as the interval is told.
#include <af/af.hpp>
#include <af/rt/runtime.hpp>
#include <af/stream.hpp>
#include <af/time.hpp>

#include <chrono>
#include <cstdio>
#include <optional>

using namespace std::chrono_literals;
using af::time::instant;
using af::time::missed_tick_behavior;

long ms(instant t, instant start) { return static_cast<long>((t - start) / 1ms); }

af::task<> ticks(missed_tick_behavior b) {
    const instant start = instant::now();
    auto iv = af::time::interval(100ms);
    iv.set_missed_tick_behavior(b);
    for (int i = 0; i < 2; ++i) {
        instant t = co_await iv.tick();  // the first tick is immediate
        co_await af::time::sleep(30ms);  // work between ticks does not shift the schedule
        std::printf(" %ld", ms(t, start));
    }
    co_await af::time::sleep(250ms);  // fall behind: now at 380 ms, ticks at 200 and 300 are late
    for (int i = 0; i < 3; ++i) {
        instant t = co_await iv.tick();
        std::printf(" %ld@%ld", ms(t, start), ms(instant::now(), start));
    }
    std::printf("\n");
}

af::task<> app() {
    std::printf("burst:");
    co_await ticks(missed_tick_behavior::burst);
    std::printf("delay:");
    co_await ticks(missed_tick_behavior::delay);
    std::printf("skip: ");
    co_await ticks(missed_tick_behavior::skip);

    // An interval is also a stream of instants that never ends.
    auto iv = af::time::interval(1s);
    int n = 0;
    while (std::optional<instant> t = co_await af::next(iv)) {
        if (++n == 3) break;
    }
    std::printf("stream: %d ticks\n", n);
}

int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().start_paused().build();
    rt.block_on(app());
}

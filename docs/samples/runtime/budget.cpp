// SPDX-License-Identifier: MIT
// Cooperative budgeting: a task whose awaits are always ready still lets the others run.
#include <af/rt.hpp>
#include <af/time.hpp>

#include <cassert>
#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

int greedy_rounds = 0;           // one thread runs everything (current_thread): plain ints are fine
int rounds_when_polite_ran = -1;

af::task<void> greedy() {
    for (int i = 0; i < 10'000; ++i) {
        co_await af::time::sleep(0ms);  // already due: ready at once, every time
        ++greedy_rounds;
    }
}

af::task<void> polite() {
    rounds_when_polite_ran = greedy_rounds;
    co_return;
}

int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().task_budget(128).build();
    rt.block_on([]() -> af::task<void> {
        auto g = af::rt::spawn(greedy());  // queued first, so it runs first
        auto p = af::rt::spawn(polite());
        co_await std::move(g);
        co_await std::move(p);
        assert(af::rt::metrics().budget_yields > 0);
    });
    // Without a budget the greedy loop would never return pending, and `polite` would run
    // only after all 10,000 rounds.
    assert(rounds_when_polite_ran >= 0 && rounds_when_polite_ran < 10'000);
    std::printf("polite ran after %d rounds of greedy\n", rounds_when_polite_ran);
}

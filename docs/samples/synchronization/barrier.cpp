// SPDX-License-Identifier: MIT
// barrier: n tasks meet; exactly one of each round is told it is the leader.
#include <af/af.hpp>
#include <af/executor/thread_pool.hpp>
#include <af/sync.hpp>

#include <atomic>
#include <cassert>
#include <vector>

constexpr int workers = 4;
af::sync::barrier phase_end(workers);
std::atomic<int> parts_done{0}, merges{0};

af::task<> worker() {
    for (int phase = 0; phase < 3; ++phase) {
        parts_done.fetch_add(1);             // this phase's share of the work
        if (co_await phase_end.wait()) {     // everyone's part is done when anyone passes
            assert(parts_done.load() == workers * (phase + 1));
            merges.fetch_add(1);             // exactly one task per phase merges
        }
        co_await phase_end.wait();           // keep the next phase from starting before the merge
    }
}

int main() {
    af::executor::thread_pool pool(2);
    std::vector<af::join_handle<void>> hs;
    for (int i = 0; i < workers; ++i) hs.push_back(pool.spawn(worker()));
    for (auto& h : hs) af::block_on(std::move(h));
    assert(merges.load() == 3);
}

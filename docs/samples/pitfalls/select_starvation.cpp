// SPDX-License-Identifier: MIT
// Pitfall: a branch that is always ready starves the others under a fixed polling order.
#include <af/af.hpp>
#include <af/future/select.hpp>

#include <cassert>

int main() {
    int biased_second = 0, fair_second = 0;
    for (int i = 0; i < 1000; ++i) {
        // select_biased polls in argument order: an always-ready first branch wins every time.
        auto b = af::block_on(af::select_biased(af::ready(1), af::ready(2)));
        biased_second += b.index() == 1;
        // select starts at a random branch on every poll: each ready branch gets its share.
        auto f = af::block_on(af::select(af::ready(1), af::ready(2)));
        fair_second += f.index() == 1;
    }
    assert(biased_second == 0);
    assert(fair_second > 300 && fair_second < 700);
}

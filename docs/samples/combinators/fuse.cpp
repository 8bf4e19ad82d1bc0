// SPDX-License-Identifier: MIT
// fuse: make "poll after ready" legal (it stays pending), and ask whether a future finished.
#include <af/af.hpp>

#include <cassert>

int main() {
    af::waker w = af::waker::noop();
    af::context cx(w);

    auto f = af::fuse(af::ready(1));
    assert(!f.is_terminated());
    af::poll<int> first = f.poll(cx);
    assert(first.is_ready() && *first == 1);
    assert(f.is_terminated());

    // Without fuse this second poll would be a contract violation (asserted in debug builds).
    assert(f.poll(cx).is_pending());
}

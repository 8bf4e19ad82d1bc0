// SPDX-License-Identifier: MIT
// abortable: cancel a future from somewhere that does not own it (here, another thread).
#include <af/af.hpp>

#include <cassert>
#include <optional>
#include <thread>

// Never finishes on its own: only an abort can stop it.
af::task<int> wait_forever() {
    co_await af::never();
    co_return 1;
}

int main() {
    auto [fut, handle] = af::abortable(wait_forever());

    // The handle is copyable and may be used from any thread; abort() wakes the future, which
    // destroys the inner task on its next poll and completes with std::nullopt.
    std::thread stopper([h = handle] { h.abort(); });
    std::optional<int> result = af::block_on(std::move(fut));
    stopper.join();

    assert(!result.has_value() && handle.is_aborted());

    // A future that completes before any abort gives its value.
    auto [quick, unused] = af::abortable(af::ready(3));
    assert(af::block_on(std::move(quick)) == std::optional<int>(3));
}

// SPDX-License-Identifier: MIT
// select: race futures, keep the first result, cancel the rest.
#include <af/af.hpp>
#include <af/future/select.hpp>

#include <cassert>
#include <string>
#include <variant>

int cancelled = 0;

struct on_cancel {
    bool armed = true;
    ~on_cancel() {
        if (armed) ++cancelled;
    }
};

af::task<std::string> slow_lookup() {
    on_cancel guard;
    for (int i = 0; i < 10; ++i) co_await af::yield_now();
    guard.armed = false;  // finished normally
    co_return "from the network";
}

af::task<std::string> cache_hit() {
    co_await af::yield_now();
    co_return "from the cache";
}

int main() {
    // The output is a variant indexed by argument position: index() says who won.
    auto won = af::block_on(af::select(slow_lookup(), cache_hit()));
    assert(won.index() == 1 && std::get<1>(won) == "from the cache");
    assert(cancelled == 1);  // the loser was destroyed inside the select, at its co_await

    // Two alternatives of the same type stay distinguishable, and never() is a branch that never
    // wins: handy to disable a branch without changing the types.
    auto v = af::block_on(af::select(af::never<int>(), af::ready(5)));
    assert(v.index() == 1 && std::get<1>(v) == 5);
}

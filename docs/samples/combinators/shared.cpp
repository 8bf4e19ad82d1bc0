// SPDX-License-Identifier: MIT
// shared: several consumers await one computation, which runs once.
#include <af/af.hpp>
#include <af/future/join.hpp>

#include <cassert>
#include <string>

int loads = 0;

af::task<std::string> load_config() {
    ++loads;
    co_await af::yield_now();
    co_return "port=8080";
}

// Each consumer takes its own copy of the shared future (copies are cheap handles).
template <class F>
af::task<std::size_t> consumer(F config) {
    std::string text = co_await std::move(config);
    co_return text.size();
}

int main() {
    auto config = af::shared(load_config());  // lazy: nothing runs yet
    assert(loads == 0);

    auto [a, b] = af::block_on(af::join(consumer(config), consumer(config)));
    assert(a == 9 && b == 9);
    assert(loads == 1);  // whichever copy was polled first drove the load; the other waited
}

// SPDX-License-Identifier: MIT
/// The consumer's program: includes the umbrella header from the installed prefix, runs two
/// nested tasks on block_on (which needs the installed static library) and checks the result.
#include <af/af.hpp>
#include <cstdio>

namespace {

af::task<int> add_later(int a, int b) {
    co_await af::yield_now();
    co_return a + b;
}

af::task<int> chain() {
    int x = co_await add_later(1, 2);
    co_return co_await add_later(x, 4);
}

}  // namespace

int main() {
    int got = af::block_on(chain());
    if (got != 7) {
        std::fprintf(stderr, "af consumer: expected 7, got %d\n", got);
        return 1;
    }
    std::puts("af consumer: ok");
    return 0;
}

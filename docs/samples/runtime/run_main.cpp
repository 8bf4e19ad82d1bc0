// SPDX-License-Identifier: MIT
// The one-line main: af::rt::run builds a multi-thread runtime with everything enabled.
#include <af/rt.hpp>

#include <cassert>

af::task<int> app() {
    auto h = af::rt::spawn([]() -> af::task<int> { co_return 7; });
    co_return co_await std::move(h) * 6;
}

int main() {
    int answer = af::rt::run(app());
    assert(answer == 42);
    return answer == 42 ? 0 : 1;
}

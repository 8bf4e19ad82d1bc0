// SPDX-License-Identifier: MIT
// map and then: transform a future's output without writing a coroutine.
#include <af/af.hpp>

#include <cassert>
#include <string>

af::task<std::string> fetch_name() { co_return "ferris"; }

af::task<int> count_letters(std::string s) {
    co_await af::yield_now();
    co_return static_cast<int>(s.size());
}

int main() {
    // map: the function returns a plain value; it runs inside the poll where fetch_name finishes.
    auto upper_first = af::map(fetch_name(), [](std::string s) {
        s[0] = static_cast<char>(s[0] - 'a' + 'A');
        return s;
    });
    assert(af::block_on(std::move(upper_first)) == "Ferris");

    // then: the function returns another future, which is awaited in turn.
    auto letters = af::then(fetch_name(), [](std::string s) { return count_letters(std::move(s)); });
    assert(af::block_on(std::move(letters)) == 6);

    // void in, value out.
    assert(af::block_on(af::map(af::yield_now(), [] { return 7; })) == 7);
}

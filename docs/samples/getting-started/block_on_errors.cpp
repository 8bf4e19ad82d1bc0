// SPDX-License-Identifier: MIT
// block_on returns the future's output, or rethrows its exception.
#include <af/af.hpp>

#include <cassert>
#include <stdexcept>
#include <string>

af::task<int> parse_port(std::string text) {
    co_await af::yield_now();
    if (text.empty()) throw std::invalid_argument("empty port");
    co_return std::stoi(text);
}

int main() {
    // Any af::future works, not only tasks.
    assert(af::block_on(af::ready(7)) == 7);
    assert(af::block_on(af::lazy([] { return 6 * 7; })) == 42);

    assert(af::block_on(parse_port("8080")) == 8080);

    bool caught = false;
    try {
        af::block_on(parse_port(""));
    } catch (const std::invalid_argument& e) {
        caught = std::string(e.what()) == "empty port";
    }
    assert(caught);
}

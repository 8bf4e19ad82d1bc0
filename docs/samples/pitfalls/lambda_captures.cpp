// SPDX-License-Identifier: MIT
// Pitfall: a coroutine lambda's captures live in the lambda object, not in the coroutine frame.
#include <af/af.hpp>

#include <cassert>
#include <string>

// Unsafe (do not do this): the lambda is a temporary that dies at the end of the statement,
// while the task it made still refers to its capture `name`:
//
//     af::task<std::size_t> t = [name]() -> af::task<std::size_t> { co_return name.size(); }();
//     af::block_on(std::move(t));   // reads a destroyed std::string
//
// Safe: pass what the coroutine needs as parameters; parameters are copied into the frame.
af::task<std::size_t> length_later(std::string name) {
    co_await af::yield_now();
    co_return name.size();
}

int main() {
    std::string name = "mini-redis";
    af::task<std::size_t> t = length_later(name);  // a copy of name lives in t's frame
    name.clear();
    assert(af::block_on(std::move(t)) == 10);

    // A lambda works too when its parameters, not its captures, carry the state.
    auto by_param = [](std::string s) -> af::task<std::size_t> { co_return s.size(); };
    af::task<std::size_t> u = by_param("abc");
    assert(af::block_on(std::move(u)) == 3);
}

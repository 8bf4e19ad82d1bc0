// SPDX-License-Identifier: MIT
// Inside a task, co_await takes any af::future: tasks, ready values, poll_fn, lazy, your own.
#include <af/af.hpp>

#include <cassert>
#include <string>

af::task<std::string> name() { co_return "af"; }

af::task<std::size_t> total() {
    std::size_t n = 0;
    n += co_await af::ready(std::size_t{1});                 // ready at once: no suspension
    n += co_await af::lazy([] { return std::size_t{2}; });  // runs on its first poll
    n += (co_await name()).size();                           // another task: 2 characters

    int polls = 0;
    co_await af::poll_fn([&](af::context& cx) -> af::poll<void> {
        if (++polls == 3) return {};
        cx.waker().wake_by_ref();
        return af::pending;
    });
    n += static_cast<std::size_t>(polls);  // 3

    // An lvalue future is polled where it lives (it is not moved): useful when you keep it
    // around, for example to inspect it afterwards.
    af::task<std::string> kept = name();
    std::string s = co_await kept;
    n += s.size();  // 2
    co_return n;
}

int main() { assert(af::block_on(total()) == 10); }

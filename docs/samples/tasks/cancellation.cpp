// SPDX-License-Identifier: MIT
// Cancelling a task is destroying it: it stops at its current co_await and unwinds.
#include <af/af.hpp>

#include <cassert>
#include <string>
#include <vector>

std::vector<std::string> events;

// An RAII guard, standing for a lock, a connection, a temporary file...
struct guard {
    std::string name;
    ~guard() { events.push_back("released " + name); }
};

af::task<void> inner() {
    guard g{"inner"};
    co_await af::never();  // waits forever: only cancellation ends this task
    events.push_back("unreachable");
}

af::task<void> outer() {
    guard g{"outer"};
    co_await inner();
    events.push_back("unreachable");
}

int main() {
    af::waker w = af::waker::noop();
    af::context cx(w);
    {
        af::task<void> t = outer();
        assert(t.poll(cx).is_pending());  // both frames are now suspended
        events.push_back("dropping");
    }  // ~task: the innermost frame is destroyed first, then its awaiter, each running its destructors
    std::vector<std::string> expected{"dropping", "released inner", "released outer"};
    assert(events == expected);
}

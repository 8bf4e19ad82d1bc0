// SPDX-License-Identifier: MIT
// The lambda-capture lifetime trap, observed safely, and its fix.
#include <af/af.hpp>

#include <cassert>

// Counts live copies, so we can see when a capture dies without ever touching a dead one.
struct tracked {
    static inline int alive = 0;
    tracked() { ++alive; }
    tracked(const tracked&) { ++alive; }
    ~tracked() { --alive; }
};

// THE TRAP. The lambda is a temporary: it is destroyed at the end of the full expression, but
// the task it returned keeps running later. The coroutine frame stores a reference to the
// lambda object (its `this`), not a copy of its captures. Had the body used `t`, it would read a
// destroyed object: undefined behaviour that often "works" until it does not.
af::task<int> trap() {
    return [t = tracked{}]() -> af::task<int> {
        co_return tracked::alive;  // how many tracked objects exist while the body runs
    }();
}

// THE FIX. af::co_invoke takes the lambda by value and calls it from inside a new task: the
// lambda, and so its captures, now live in that task's frame until the task ends.
af::task<int> fixed() {
    return af::co_invoke([t = tracked{}]() -> af::task<int> {
        co_return tracked::alive;
    });
}

int main() {
    af::task<int> bad = trap();
    assert(tracked::alive == 0);                // the capture is already gone...
    assert(af::block_on(std::move(bad)) == 0);  // ...before the body even starts

    af::task<int> good = fixed();
    assert(tracked::alive == 1);                 // the capture lives in co_invoke's frame
    assert(af::block_on(std::move(good)) == 1);
    assert(tracked::alive == 0);                 // and is destroyed with it
}

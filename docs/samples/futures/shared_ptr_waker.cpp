// SPDX-License-Identifier: MIT
// A waker from a std::shared_ptr: any class with a wake() will do.
#include <af/af.hpp>

#include <atomic>
#include <cassert>
#include <memory>
#include <thread>

// Not derived from anything: af::waker::from only needs wake(), callable from any thread.
struct doorbell {
    std::atomic<int> rings{0};
    void wake() { rings.fetch_add(1); }
};

int main() {
    auto bell = std::make_shared<doorbell>();
    af::waker w = af::waker::from(bell);  // the waker holds a strong reference
    af::waker copy = w;                   // clones share it: no allocation
    assert(bell.use_count() == 2);

    std::thread other([c = std::move(copy)]() mutable { std::move(c).wake(); });
    other.join();
    w.wake_by_ref();
    assert(bell->rings == 2);

    w = af::waker::noop();  // the last waker is gone, and with it the reference
    assert(bell.use_count() == 1);
}

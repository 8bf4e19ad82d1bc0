// SPDX-License-Identifier: MIT
// The thread parker behind af::block_on.
//
// Each thread owns one reference-counted parker; wakers hold references, so waking a parker
// whose thread has exited is harmless. The state machine (empty, notified, sleeping; a futex on
// the word to sleep) is in thread_parker.hpp, apart from the system call, so that the model
// checker can run it with a condition variable in the futex's place.
#include "af/executor/block_on.hpp"

#include "af/core/wakeable.hpp"
#include "thread_parker.hpp"

namespace af::detail {
namespace {

class parker final : public wakeable {
public:
    void wake() noexcept override { state_.unpark(); }
    void park() noexcept { state_.park(); }

private:
    thread_parker_state<thread_sleep> state_;
};

parker& current_parker() {
    thread_local wakeable_ptr<parker> p = make_wakeable<parker>();
    return *p;
}

}  // namespace

waker current_thread_waker() { return waker::from(current_parker()); }
void park_current_thread() { current_parker().park(); }
void unpark_current_thread() { current_parker().wake(); }

}  // namespace af::detail

// SPDX-License-Identifier: MIT
// The mpsc capacity word under the model checker: a sender waiting for the only slot while the
// holder gives it back, or while the channel closes. The waiting sender parks until woken, so a
// release or close that misses it is a deadlock.
#include "af/channel/detail/mpsc_capacity.hpp"

#include <af_model/model.hpp>
#include <af_model/task_parker.hpp>
#include <gtest/gtest.h>

#include <cstdio>   // execution counts in the log
#include <sstream>  // result to text

namespace {

using af::detail::mpsc_capacity;
using af::model::thread;

// Thread 0 holds the one slot; a sender waits for it; another thread releases it or closes.
void waiting_sender(bool close) {
    mpsc_capacity cap(1);
    AF_MODEL_ASSERT(cap.try_take() == mpsc_capacity::take_result::taken);
    af::model::task_parker task;
    bool got = false;
    thread sender([&] {
        af::detail::channel_waiter n;
        bool waiting = false;
        af::waker w = task.waker();
        af::context cx(w);
        for (;;) {
            af::poll<bool> p = cap.poll_take(n, waiting, cx);
            if (p.is_ready()) {
                got = p.value();
                break;
            }
            task.park();
        }
    });
    thread other([&] {
        if (close) cap.close();
        else cap.release(1);
    });
    sender.join();
    other.join();
    AF_MODEL_ASSERT(got == !close);
    if (got) cap.release(1);
    if (!close) AF_MODEL_ASSERT(cap.all_free());
}

TEST(mpsc_capacity_model, a_released_slot_reaches_the_waiting_sender) {
    auto r = af::model::check({}, [] { waiting_sender(false); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("release: %s\n", (std::ostringstream() << r).str().c_str());
}

TEST(mpsc_capacity_model, close_racing_a_waiting_sender_fails_it) {
    auto r = af::model::check({}, [] { waiting_sender(true); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("close: %s\n", (std::ostringstream() << r).str().c_str());
}

}  // namespace

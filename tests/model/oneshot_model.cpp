// SPDX-License-Identifier: MIT
// The oneshot state word under the model checker: send racing the receiver's poll, its drop, and
// a closed() future; sender dropped unsent. The receiver is a task that parks until woken, so a
// lost wake-up is a deadlock; a double destroy or a use after it trips the destroyed-atomic check.
#include "af/channel/detail/oneshot_block.hpp"

#include <af_model/model.hpp>
#include <af_model/task_parker.hpp>
#include <gtest/gtest.h>

#include <cstdio>   // execution counts in the log
#include <sstream>  // result to text

namespace {

using block = af::detail::oneshot_block<int>;
using af::model::thread;

// The receiver polls until the sender finished; it gets 42 exactly when the send published it.
void send_racing_poll(bool drop_unsent) {
    block* b = block::make();
    af::model::task_parker task;
    thread tx([&] {
        if (drop_unsent) return b->drop_tx();
        int v = 42;
        if (b->send(v) == block::send_outcome::in_slot) b->discard_slot();
    });
    std::size_t s = 0;
    while ((s = b->poll_rx(task.waker())) == 0) task.park();
    if (s & af::detail::oneshot_bits::value) {
        AF_MODEL_ASSERT(!drop_unsent);
        AF_MODEL_ASSERT(b->take_value() == 42);  // drops the receiver's reference too
    } else {
        AF_MODEL_ASSERT(drop_unsent);
        b->drop_rx();
    }
    tx.join();
}

TEST(oneshot_model, a_send_racing_the_receivers_poll_is_received_once) {
    auto r = af::model::check({}, [] { send_racing_poll(false); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("send vs poll: %s\n", (std::ostringstream() << r).str().c_str());
}

TEST(oneshot_model, a_sender_dropped_unsent_wakes_the_receiver) {
    auto r = af::model::check({}, [] { send_racing_poll(true); });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

// The receiver drops while the sender sends and a closed() future waits for that drop.
TEST(oneshot_model, a_receiver_drop_racing_send_and_closed_frees_the_block_once) {
    auto r = af::model::check({}, [] {
        block* b = block::make();
        b->add_ref();  // the closed() future's
        af::model::task_parker closer;
        thread rx([&] { b->drop_rx(); });
        thread tx([&] {
            int v = 7;
            if (b->send(v) == block::send_outcome::in_slot) b->discard_slot();
        });
        while (!b->poll_closed(closer.waker())) closer.park();
        b->release(0);  // the closed() future goes away
        rx.join();
        tx.join();
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("drop vs send vs closed: %s\n", (std::ostringstream() << r).str().c_str());
}

}  // namespace

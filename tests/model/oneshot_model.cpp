// SPDX-License-Identifier: MIT
// The oneshot state word under the model checker: send racing the receiver's poll, its drop, its
// close, and a closed() future; sender dropped unsent; a receiver taking back its waker. The receiver is a task that parks until woken, so a
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

// The receiver registers a waker and then closes while the sender sends and a closed() future
// waits: the close decides, so the receiver has the value exactly when the send said "sent";
// the closed() future is woken; the receiver's waker is taken back only when no send can be
// reading it.
TEST(oneshot_model, a_close_racing_send_and_closed_delivers_or_refuses_exactly_once) {
    auto r = af::model::check({}, [] {
        block* b = block::make();
        b->add_ref();  // the closed() future's
        af::model::task_parker closer;
        af::model::task_parker receiver;
        bool sent = false;
        thread tx([&] {
            int v = 7;
            const auto o = b->send(v);
            sent = o == block::send_outcome::sent;
            if (o == block::send_outcome::in_slot) b->discard_slot();
        });
        thread rx([&] {
            (void)b->poll_rx(receiver.waker());  // pending (waker published) or already sent
            const std::size_t s = b->close_rx();
            tx.join();
            if (s & af::detail::oneshot_bits::value) {
                AF_MODEL_ASSERT(sent);
                AF_MODEL_ASSERT(b->take_value() == 7);
            } else {
                AF_MODEL_ASSERT(!sent);
                b->drop_rx();
            }
        });
        while (!b->poll_closed(closer.waker())) closer.park();
        b->release(0);
        rx.join();
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
    std::printf("close vs send vs closed: %s\n", (std::ostringstream() << r).str().c_str());
}

// A receiver that waited and is dropped while the sender drops unsent: either the sender wakes
// the published waker or the receiver takes it back first, never both at once on the slot.
TEST(oneshot_model, a_waiting_receiver_dropped_while_the_sender_drops_frees_the_block_once) {
    auto r = af::model::check({}, [] {
        block* b = block::make();
        af::model::task_parker receiver;
        AF_MODEL_ASSERT(b->poll_rx(receiver.waker()) == 0);
        thread tx([&] { b->drop_tx(); });
        b->drop_rx();
        tx.join();
    });
    EXPECT_FALSE(r.failed) << r;
    EXPECT_TRUE(r.exhaustive) << r;
}

}  // namespace

// SPDX-License-Identifier: MIT
// af-model-plant: AF_MODEL_PLANT_MPSC_WAKE
// The mpsc receiver's wake-up under the model checker (ADR 0009, "Waking the receiver"): a
// send wakes the receiver only when it filled the slot the receiver said it waits for. The
// receiver parks until woken, so a send that skips a needed wake-up is a deadlock. Two
// scenarios: the real channel (two senders, then the end of the stream), and the queue with two
// slots a block driven by the same handshake, so that the receiver waits at a block edge
// whose next block is not linked yet. The planted executable stores the receiver's "parked at"
// index after its last look instead of before: a send in between is a lost wake-up.
#include "af/channel/mpsc.hpp"

#include <af_model/model.hpp>
#include <af_model/task_parker.hpp>
#include <gtest/gtest.h>

#include <cstdio>   // execution counts in the log
#include <optional>
#include <sstream>  // result to text
#include <utility>

#include "af/channel/detail/mpsc_block_queue.hpp"
#include "af/core/atomic_waker.hpp"

namespace {

using af::model::thread;
namespace mpsc = af::channel::mpsc;

// Two senders send one value each and leave; a third sender handle, kept by the receiving
// thread until both values are in, keeps the last-sender wake-up (the end of the stream) from
// hiding a lost one. The receiver parks whenever it is pending.
void two_senders_one_receiver(bool bounded) {
    auto ch = bounded ? mpsc::bounded<int>(2) : mpsc::unbounded<int>();
    af::model::task_parker task;
    auto sender = [](mpsc::sender<int> tx, int v) {
        return [tx = std::move(tx), v]() mutable {
            AF_MODEL_ASSERT(tx.try_send(v));
            mpsc::sender<int> gone = std::move(tx);
        };
    };
    thread a(sender(ch.first, 1));
    thread b(sender(ch.first, 2));
    af::waker w = task.waker();
    af::context cx(w);
    int sum = 0, got = 0;
    for (;;) {
        if (got == 2) mpsc::sender<int> gone = std::move(ch.first);  // now the stream may end
        af::poll<std::optional<int>> p = ch.second.poll_next(cx);
        if (p.is_pending()) {
            task.park();
            continue;
        }
        if (!p.value()) break;
        sum += *p.value();
        ++got;
    }
    a.join();
    b.join();
    AF_MODEL_ASSERT(got == 2 && sum == 3);
}

TEST(mpsc_wake_model, two_senders_wake_a_parked_receiver_unbounded) {
    auto r = af::model::check({}, [] { two_senders_one_receiver(false); });
    EXPECT_FALSE(r.failed) << r;
    std::printf("unbounded: %s\n", (std::ostringstream() << r).str().c_str());
}

TEST(mpsc_wake_model, two_senders_wake_a_parked_receiver_bounded) {
    auto r = af::model::check({}, [] { two_senders_one_receiver(true); });
    EXPECT_FALSE(r.failed) << r;
    std::printf("bounded: %s\n", (std::ostringstream() << r).str().c_str());
}

// The channel's handshake on a queue of two-slot blocks: two producers push two values each
// (indices 0-3, so the receiver waits at index 2, the start of a block that may not be linked
// yet); each wakes only if the receiver parked at its index.
void handshake_across_a_block_edge() {
    af::detail::mpsc_block_queue<int, 2> q;
    af::atomic_waker rx_waker;
    af::detail::sync::atomic<std::size_t> parked_at{std::size_t(-1)};
    af::model::task_parker task;
    auto producer = [&](int base) {
        return [&, base] {
            for (int i = 0; i < 2; ++i) {
                std::size_t idx = q.push(base + i);
                if (parked_at.load() == idx) rx_waker.wake();  // as state::send_held
            }
        };
    };
    thread a(producer(0));
    thread b(producer(10));
    af::waker w = task.waker();
    std::size_t consumed = 0;
    int got = 0;
    while (got < 4) {
        if (q.pop(consumed)) {
            ++got;
            continue;
        }
        rx_waker.register_waker(w);        // as receiver::poll_next
        parked_at.store(q.next_index());  // as state::park_receiver
        if (q.pop(consumed)) {
            ++got;
            continue;
        }
        task.park();
    }
    a.join();
    b.join();
    AF_MODEL_ASSERT(consumed == 4);
}

TEST(mpsc_wake_model, a_receiver_parked_at_a_block_edge_is_woken) {
    af::model::options o;
    o.preemption_bound = 2;
    auto r = af::model::check(o, handshake_across_a_block_edge);
    EXPECT_FALSE(r.failed) << r;
    std::printf("block edge: %s\n", (std::ostringstream() << r).str().c_str());
}

TEST(mpsc_wake_model, Planted_the_parked_index_stored_after_the_last_look_loses_a_wake) {
    auto r = af::model::check({}, [] { two_senders_one_receiver(false); });
    EXPECT_TRUE(r.failed) << r;
    std::printf("%s\n", (std::ostringstream() << r).str().c_str());
}

}  // namespace

// SPDX-License-Identifier: MIT
// Issue 22: every channel handle (but mpsc's, audited with mpsc) can be move-assigned; the
// handle assigned over is released as its destructor would release it, and the handles sit in
// a std::vector whose erase move-assigns them.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "af/channel/broadcast.hpp"
#include "af/channel/oneshot.hpp"
#include "af/channel/watch.hpp"
#include "af/test/mock_task.hpp"

namespace channel_move_assign_test {

namespace bc = af::channel::broadcast;

TEST(channel_move_assign, broadcast_receiver_assigned_over_unsubscribes_the_old_one) {
    auto [tx, rx1] = bc::channel<int>(4);
    auto [tx2, rx2] = bc::channel<int>(4);
    EXPECT_EQ(tx.receiver_count(), 1u);
    rx1 = std::move(rx2);
    EXPECT_EQ(tx.receiver_count(), 0u) << "the old receiver still counted";
    EXPECT_EQ(tx2.receiver_count(), 1u);
    EXPECT_FALSE(tx.send(1).is_sent()) << "a channel without receivers refuses values";
    ASSERT_TRUE(tx2.send(2).is_sent());
    EXPECT_EQ(rx1.try_recv().take_value(), 2);
}

TEST(channel_move_assign, broadcast_receiver_waiting_is_unlinked_when_assigned_over) {
    auto [tx, rx] = bc::channel<int>(4);
    af::test::mock_task<> t;
    EXPECT_TRUE(t.enter([&](af::context& cx) { return rx.poll_recv(cx); }).is_pending());
    EXPECT_EQ(t.waker_ref_count(), 1u);
    auto [tx2, rx2] = bc::channel<int>(4);
    rx = std::move(rx2);
    EXPECT_EQ(t.waker_ref_count(), 0u) << "the old receiver's waker stayed in the channel";
    (void)tx.send(1);  // wakes nobody, touches no freed node
    EXPECT_FALSE(t.is_woken());
}

TEST(channel_move_assign, broadcast_receivers_in_a_vector_survive_erase) {
    auto [tx, rx] = bc::channel<int>(8);
    std::vector<bc::receiver<int>> subs;
    subs.push_back(std::move(rx));
    subs.push_back(tx.subscribe());
    subs.push_back(tx.subscribe());
    subs.erase(subs.begin());
    EXPECT_EQ(tx.receiver_count(), 2u);
    ASSERT_TRUE(tx.send(5).is_sent());
    for (auto& r : subs) EXPECT_EQ(r.try_recv().take_value(), 5);
}

TEST(channel_move_assign, broadcast_sender_assigned_over_closes_a_channel_it_was_the_last_of) {
    auto [tx, rx] = bc::channel<int>(4);
    auto [tx2, rx2] = bc::channel<int>(4);
    tx = std::move(tx2);
    EXPECT_TRUE(rx.try_recv().is_closed());
    EXPECT_TRUE(tx.send(3).is_sent());
    EXPECT_EQ(rx2.try_recv().take_value(), 3);
}

TEST(channel_move_assign, oneshot_sender_assigned_over_closes_its_receiver) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    auto [tx2, rx2] = af::channel::oneshot::channel<int>();
    af::test::mock_task<> t;
    EXPECT_TRUE(t.poll(rx).is_pending());
    tx = std::move(tx2);
    EXPECT_TRUE(t.is_woken());
    EXPECT_THROW((void)t.poll(rx), std::exception);
    EXPECT_TRUE(tx.send(4).is_sent());
    EXPECT_EQ(af::test::assert_ready(t.poll(rx2)), 4);
}

TEST(channel_move_assign, oneshot_receiver_assigned_over_closes_its_sender) {
    auto [tx, rx] = af::channel::oneshot::channel<int>();
    auto [tx2, rx2] = af::channel::oneshot::channel<int>();
    EXPECT_FALSE(tx.is_closed());
    rx = std::move(rx2);
    EXPECT_TRUE(tx.is_closed());
    EXPECT_FALSE(tx2.is_closed());
    std::vector<af::channel::oneshot::receiver<int>> v;
    v.push_back(std::move(rx));
    v.push_back(af::channel::oneshot::channel<int>().second);
    v.erase(v.begin());
    EXPECT_TRUE(tx2.is_closed());
}

TEST(channel_move_assign, watch_sender_assigned_over_closes_its_receivers) {
    auto [tx, rx] = af::channel::watch::channel<int>(0);
    auto [tx2, rx2] = af::channel::watch::channel<int>(10);
    af::test::mock_task<> t;
    auto changed = rx.changed();
    EXPECT_TRUE(t.poll(changed).is_pending());
    tx = std::move(tx2);
    EXPECT_TRUE(t.is_woken());
    EXPECT_THROW((void)t.poll(changed), af::closed_error);
    EXPECT_TRUE(tx.send(11).is_sent());
    EXPECT_EQ(*rx2.borrow(), 11);
    std::vector<af::channel::watch::sender<int>> v;
    v.push_back(std::move(tx));
    v.push_back(af::channel::watch::channel<int>(0).first);
    v.erase(v.begin());
    EXPECT_TRUE(rx2.is_closed());
}

TEST(channel_move_assign, watch_receiver_assigned_over_is_no_longer_counted) {
    auto [tx, rx] = af::channel::watch::channel<std::string>("a");
    auto [tx2, rx2] = af::channel::watch::channel<std::string>("b");
    af::test::mock_task<> t;
    auto closed = tx.closed();
    EXPECT_TRUE(t.poll(closed).is_pending());
    rx = std::move(rx2);
    EXPECT_TRUE(tx.is_closed());
    EXPECT_TRUE(t.is_woken()) << "the last receiver's replacement must complete closed()";
    af::test::assert_ready(t.poll(closed));
    EXPECT_EQ(*rx.borrow(), "b");
    EXPECT_EQ(tx2.receiver_count(), 1u);
}

}  // namespace channel_move_assign_test

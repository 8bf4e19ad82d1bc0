// SPDX-License-Identifier: MIT
// af::channel::mpsc handles under move assignment: assigning into a live sender, receiver or
// permit (bounded and unbounded) releases what it held first, as its destructor would; and
// std::vector::erase, which move-assigns the tail down, leaves every other channel working.
#include "af/channel/mpsc.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "af/test/drop_counter.hpp"

namespace channel_mpsc_assign_test {

namespace {

namespace mpsc = af::channel::mpsc;

static_assert(std::is_nothrow_move_assignable_v<mpsc::sender<int>>);
static_assert(std::is_nothrow_move_assignable_v<mpsc::receiver<int>>);
static_assert(std::is_nothrow_move_assignable_v<mpsc::permit<int>>);
static_assert(std::is_move_assignable_v<mpsc::try_reserve_result<int>>);

// The end of a receiver's stream, read without waiting: closed, not merely empty.
template <class T>
bool ended(mpsc::receiver<T>& rx) {
    return rx.try_recv().status() == af::channel::recv_status::closed;
}

TEST(mpsc_assign, a_sender_assigned_over_drops_its_place_among_the_senders) {
    auto [tx1, rx1] = mpsc::bounded<int>(4);
    auto [tx2, rx2] = mpsc::unbounded<int>();
    ASSERT_TRUE(tx1.try_send(1));
    tx1 = std::move(tx2);  // tx1 was channel 1's only sender
    EXPECT_EQ(rx1.try_recv().take_value(), 1);
    EXPECT_TRUE(ended(rx1));
    ASSERT_TRUE(tx1.try_send(2));  // now channel 2's sender
    EXPECT_EQ(rx2.try_recv().take_value(), 2);
    EXPECT_FALSE(ended(rx2));
    { mpsc::sender<int> gone = std::move(tx1); }
    EXPECT_TRUE(ended(rx2));
}

TEST(mpsc_assign, a_receiver_assigned_over_closes_its_channel_and_drops_its_values) {
    af::test::drop_counter drops;
    auto [tx1, rx1] = mpsc::bounded<af::test::drop_counter::guard>(4);
    auto [tx2, rx2] = mpsc::unbounded<af::test::drop_counter::guard>();
    ASSERT_TRUE(tx1.try_send(drops.make()));
    ASSERT_TRUE(tx2.try_send(drops.make()));
    EXPECT_EQ(drops.count(), 0);
    rx1 = std::move(rx2);
    EXPECT_EQ(drops.count(), 1);   // channel 1's queued value went with it
    EXPECT_TRUE(tx1.is_closed());  // channel 1 lost its receiver
    EXPECT_TRUE(tx1.try_send(drops.make()).is_closed());
    EXPECT_EQ(drops.count(), 2);   // the value handed back, destroyed with the result
    EXPECT_FALSE(tx2.is_closed());
    EXPECT_TRUE(rx1.try_recv().is_received());
    EXPECT_EQ(drops.count(), 3);
}

TEST(mpsc_assign, a_permit_assigned_over_gives_its_slot_back) {
    auto [tx, rx] = mpsc::bounded<int>(2);
    auto a = tx.try_reserve();
    auto b = tx.try_reserve();
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(tx.capacity(), 0u);
    mpsc::permit<int> p = a.take_permit();
    p = b.take_permit();  // the first slot comes back
    EXPECT_EQ(tx.capacity(), 1u);
    p.send(7);
    EXPECT_EQ(rx.try_recv().take_value(), 7);
    EXPECT_EQ(tx.capacity(), 2u);
}

TEST(mpsc_assign, the_last_permit_assigned_over_ends_a_closed_stream) {
    auto [tx1, rx1] = mpsc::bounded<int>(1);
    auto [tx2, rx2] = mpsc::unbounded<int>();
    auto r1 = tx1.try_reserve();
    auto r2 = tx2.try_reserve();
    ASSERT_TRUE(r1);
    ASSERT_TRUE(r2);
    { mpsc::sender<int> gone = std::move(tx1); }
    EXPECT_FALSE(ended(rx1));  // the permit still counts as a sender
    *r1 = r2.take_permit();
    EXPECT_TRUE(ended(rx1));
    r1->send(3);
    EXPECT_EQ(rx2.try_recv().take_value(), 3);
}

TEST(mpsc_assign, a_try_reserve_result_assigned_over_gives_its_slot_back) {
    auto [tx, rx] = mpsc::bounded<int>(1);
    auto r = tx.try_reserve();
    ASSERT_TRUE(r);
    EXPECT_TRUE(tx.try_reserve().is_full());
    r = tx.try_reserve();  // a full result: the permit r held is dropped
    EXPECT_TRUE(r.is_full());
    EXPECT_EQ(tx.capacity(), 1u);
    EXPECT_TRUE(tx.try_send(1));
}

TEST(mpsc_assign, self_move_assignment_keeps_the_handle) {
    auto [tx, rx] = mpsc::bounded<int>(2);
    auto r = tx.try_reserve();
    ASSERT_TRUE(r);
    mpsc::permit<int> p = r.take_permit();
    mpsc::permit<int>& pr = p;
    p = std::move(pr);
    mpsc::receiver<int>& rr = rx;
    rx = std::move(rr);
    EXPECT_EQ(tx.capacity(), 1u);
    p.send(5);
    EXPECT_EQ(rx.try_recv().take_value(), 5);
}

TEST(mpsc_assign, vector_erase_of_senders_drops_only_the_erased_one) {
    auto [tx0, rx0] = mpsc::bounded<int>(4);
    auto [tx1, rx1] = mpsc::unbounded<int>();
    auto [tx2, rx2] = mpsc::bounded<int>(4);
    std::vector<mpsc::sender<int>> v;
    v.push_back(std::move(tx0));
    v.push_back(std::move(tx1));
    v.push_back(std::move(tx2));
    v.erase(v.begin());
    EXPECT_TRUE(ended(rx0));
    ASSERT_TRUE(v[0].try_send(1));
    ASSERT_TRUE(v[1].try_send(2));
    EXPECT_EQ(rx1.try_recv().take_value(), 1);
    EXPECT_EQ(rx2.try_recv().take_value(), 2);
    v.clear();
    EXPECT_TRUE(ended(rx1));
    EXPECT_TRUE(ended(rx2));
}

TEST(mpsc_assign, vector_erase_of_receivers_closes_only_the_erased_channel) {
    auto [tx0, rx0] = mpsc::bounded<int>(4);
    auto [tx1, rx1] = mpsc::bounded<int>(4);
    auto [tx2, rx2] = mpsc::unbounded<int>();
    std::vector<mpsc::receiver<int>> v;
    v.push_back(std::move(rx0));
    v.push_back(std::move(rx1));
    v.push_back(std::move(rx2));
    ASSERT_TRUE(tx1.try_send(10));
    v.erase(v.begin());
    EXPECT_TRUE(tx0.is_closed());
    EXPECT_FALSE(tx1.is_closed());
    EXPECT_FALSE(tx2.is_closed());
    ASSERT_TRUE(tx2.try_send(20));
    EXPECT_EQ(v[0].try_recv().take_value(), 10);
    EXPECT_EQ(v[1].try_recv().take_value(), 20);
    v.erase(v.begin() + 1);
    EXPECT_TRUE(tx2.is_closed());
    EXPECT_FALSE(tx1.is_closed());
}

TEST(mpsc_assign, vector_erase_of_permits_returns_only_the_erased_slot) {
    auto [tx, rx] = mpsc::bounded<int>(3);
    std::vector<mpsc::permit<int>> v;
    for (int i = 0; i < 3; ++i) {
        auto r = tx.try_reserve();
        ASSERT_TRUE(r);
        v.push_back(r.take_permit());
    }
    EXPECT_EQ(tx.capacity(), 0u);
    v.erase(v.begin());
    EXPECT_EQ(tx.capacity(), 1u);
    v[0].send(1);
    v[1].send(2);
    v.clear();  // two sent (empty) permits: no slot changes hands
    EXPECT_EQ(tx.capacity(), 1u);
    EXPECT_EQ(rx.try_recv().take_value(), 1);
    EXPECT_EQ(rx.try_recv().take_value(), 2);
    EXPECT_EQ(tx.capacity(), 3u);
}

}  // namespace

}  // namespace channel_mpsc_assign_test

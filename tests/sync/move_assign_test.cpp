// SPDX-License-Identifier: MIT
// Issue 22: permits and guards can be move-assigned; the one assigned over gives its permits
// back (unlocks) at once, and the moved-from one holds nothing. std::vector::erase works.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "af/sync/mutex.hpp"
#include "af/sync/rwlock.hpp"
#include "af/sync/semaphore.hpp"

namespace sync_move_assign_test {

TEST(sync_move_assign, semaphore_permit_assigned_over_returns_its_permits) {
    af::sync::semaphore a(3), b(3);
    auto pa = a.try_acquire(2);
    auto pb = b.try_acquire(1);
    ASSERT_TRUE(pa && pb);
    EXPECT_EQ(a.available_permits(), 1u);
    *pa = std::move(*pb);
    EXPECT_EQ(a.available_permits(), 3u);
    EXPECT_EQ(b.available_permits(), 2u);
    EXPECT_EQ(pa->count(), 1u);
    EXPECT_EQ(pb->count(), 0u);
    std::vector<af::sync::semaphore_permit> held;
    for (int i = 0; i < 3; ++i) held.push_back(std::move(*a.try_acquire(1)));
    held.erase(held.begin());
    EXPECT_EQ(a.available_permits(), 1u);
    held.clear();
    EXPECT_EQ(a.available_permits(), 3u);
}

TEST(sync_move_assign, owned_permit_assigned_over_returns_its_permit_and_semaphore) {
    auto a = std::make_shared<af::sync::semaphore>(1);
    auto b = std::make_shared<af::sync::semaphore>(1);
    auto pa = af::sync::try_acquire_owned(a);
    auto pb = af::sync::try_acquire_owned(b);
    ASSERT_TRUE(pa && pb);
    EXPECT_EQ(a.use_count(), 2);
    *pa = std::move(*pb);
    EXPECT_EQ(a->available_permits(), 1u);
    EXPECT_EQ(a.use_count(), 1) << "the old permit kept its semaphore alive";
    EXPECT_EQ(b->available_permits(), 0u);
    pa.reset();
    EXPECT_EQ(b->available_permits(), 1u);
}

TEST(sync_move_assign, mutex_guard_assigned_over_unlocks_its_mutex) {
    af::sync::mutex<int> m1(1), m2(2);
    auto g1 = m1.try_lock();
    auto g2 = m2.try_lock();
    ASSERT_TRUE(g1 && g2);
    *g1 = std::move(*g2);
    EXPECT_TRUE(m1.try_lock().has_value()) << "m1 stayed locked";
    EXPECT_FALSE(m2.try_lock().has_value());
    EXPECT_EQ(**g1, 2);
    std::vector<af::sync::mutex_guard<int>> v;
    v.push_back(std::move(*g1));
    v.push_back(std::move(*m1.try_lock()));
    v.erase(v.begin());
    EXPECT_TRUE(m2.try_lock().has_value());
    EXPECT_FALSE(m1.try_lock().has_value());
    EXPECT_EQ(*v.front(), 1);
}

TEST(sync_move_assign, rwlock_guards_assigned_over_release_their_locks) {
    af::sync::rwlock<int> l1(1), l2(2);
    auto w1 = l1.try_write();
    auto w2 = l2.try_write();
    ASSERT_TRUE(w1 && w2);
    *w1 = std::move(*w2);
    EXPECT_TRUE(l1.try_read().has_value());
    EXPECT_FALSE(l2.try_read().has_value());
    **w1 = 3;
    w1.reset();
    auto r1 = l1.try_read();
    auto r2 = l2.try_read();
    ASSERT_TRUE(r1 && r2);
    EXPECT_EQ(**r2, 3);
    *r1 = std::move(*r2);
    EXPECT_TRUE(l1.try_write().has_value()) << "the old read guard still held l1";
    EXPECT_FALSE(l2.try_write().has_value());
    std::vector<af::sync::rwlock_read_guard<int>> v;
    v.push_back(std::move(*r1));
    v.erase(v.begin());
    EXPECT_TRUE(l2.try_write().has_value());
}

}  // namespace sync_move_assign_test

// SPDX-License-Identifier: MIT
#include "af/test/mock_task.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "af/core/task.hpp"
#include "af/future/ready.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/pending_once.hpp"

namespace test_mock_task_test {

namespace {

// What an assertion_failure from `fn` says, or "" when none is thrown.
template <class Fn>
std::string failure_of(Fn&& fn) {
    try {
        fn();
    } catch (const af::test::assertion_failure& e) {
        return e.what();
    }
    return "";
}

// A future that cannot be moved at all.
struct pinned_ready {
    using output = int;
    pinned_ready() = default;
    pinned_ready(pinned_ready&&) = delete;
    af::poll<int> poll(af::context&) { return 9; }
};

TEST(mock_task, polls_a_ready_future) {
    af::test::mock_task t(af::ready(7));
    EXPECT_EQ(af::test::assert_ready(t.poll()), 7);
    EXPECT_EQ(t.poll_count(), 1u);
    EXPECT_EQ(t.wake_count(), 0u);
    EXPECT_FALSE(t.is_woken());
}

TEST(mock_task, is_woken_since_the_last_poll_only) {
    af::test::manual_future<int> m;
    af::test::mock_task t(m.get());
    af::test::assert_pending(t.poll());
    EXPECT_FALSE(t.is_woken());
    m.wake();  // spurious
    EXPECT_TRUE(t.is_woken());
    af::test::assert_pending(t.poll());
    EXPECT_FALSE(t.is_woken()) << "a poll restarts the window";
    m.set(3);
    EXPECT_TRUE(t.is_woken());
    EXPECT_EQ(t.wake_count(), 2u);
    EXPECT_EQ(af::test::assert_ready(t.poll()), 3);
}

TEST(mock_task, counts_a_wake_made_during_the_poll) {
    af::test::mock_task t(af::test::pending_once(af::ready(1)));
    af::test::assert_pending(t.poll());
    EXPECT_TRUE(t.is_woken());
    EXPECT_EQ(af::test::assert_ready(t.poll()), 1);
}

TEST(mock_task, counts_wakes_from_another_thread) {
    af::test::manual_future<int> m;
    af::test::mock_task t(m.get());
    af::test::assert_pending(t.poll());
    std::thread th([&] { m.set(4); });
    th.join();
    EXPECT_TRUE(t.is_woken());
    EXPECT_EQ(af::test::assert_ready(t.poll()), 4);
}

TEST(mock_task, keeps_the_future_in_place_when_moved) {
    af::test::manual_future<int> m;
    af::test::mock_task t(m.get());
    af::test::assert_pending(t.poll());
    const auto* before = &t.get();
    af::test::mock_task moved(std::move(t));
    EXPECT_EQ(&moved.get(), before);
    m.set(8);
    EXPECT_TRUE(moved.is_woken());
    EXPECT_EQ(af::test::assert_ready(moved.poll()), 8);
}

TEST(mock_task, builds_an_immovable_future_in_place) {
    af::test::mock_task<pinned_ready> t(std::in_place, [] { return pinned_ready(); });
    EXPECT_EQ(af::test::assert_ready(t.poll()), 9);
}

TEST(mock_task, reset_cancels_and_drops_the_registered_waker) {
    af::test::manual_future<int> m;
    af::test::mock_task t(m.get());
    af::test::assert_pending(t.poll());
    EXPECT_EQ(t.waker_ref_count(), 1u);
    t.reset();
    EXPECT_FALSE(t.has_future());
    EXPECT_FALSE(m.future_alive());
    EXPECT_EQ(t.waker_ref_count(), 0u);
}

TEST(mock_task, polls_a_task) {
    af::test::manual_future<int> m;
    af::test::mock_task t([](af::test::manual_future<int>::future f) -> af::task<int> {
        co_return co_await std::move(f) + 1;
    }(m.get()));
    af::test::assert_pending(t.poll());
    m.set(1);
    EXPECT_TRUE(t.is_woken());
    EXPECT_EQ(af::test::assert_ready(t.poll()), 2);
}

TEST(mock_task, without_a_future_polls_the_callers_and_enters) {
    af::test::mock_task<> t;
    af::test::manual_future<int> m;
    auto f = m.get();
    af::test::assert_pending(t.poll(f));
    bool same_waker = t.enter([&](af::context& cx) { return cx.waker().will_wake(t.waker()); });
    EXPECT_TRUE(same_waker);
    EXPECT_EQ(t.poll_count(), 2u) << "enter counts as a poll";
    m.set(5);
    EXPECT_TRUE(t.is_woken());
    EXPECT_EQ(af::test::assert_ready(t.poll(f)), 5);
}

TEST(mock_task, enter_passes_the_held_future) {
    af::test::mock_task t(af::ready(6));
    int v = t.enter([](af::context& cx, af::ready_future<int>& f) { return f.poll(cx).value(); });
    EXPECT_EQ(v, 6);
}

TEST(mock_task_assert, pending_on_a_ready_poll_names_the_check_and_the_caller) {
    std::string what = failure_of([] { af::test::assert_pending(af::poll<int>(1)); });
    EXPECT_NE(what.find("af::test::assert_pending failed: the poll is ready"), std::string::npos) << what;
    EXPECT_NE(what.find("mock_task_test.cpp:"), std::string::npos) << what;
}

TEST(mock_task_assert, ready_on_a_pending_poll_names_the_check) {
    std::string what = failure_of([] { (void)af::test::assert_ready(af::poll<int>(af::pending)); });
    EXPECT_NE(what.find("af::test::assert_ready failed: the poll is pending"), std::string::npos) << what;
    EXPECT_EQ(failure_of([] { af::test::assert_ready(af::poll<void>()); }), "");
    EXPECT_NE(failure_of([] { af::test::assert_ready(af::poll<void>(af::pending)); }), "");
}

TEST(mock_task_assert, ready_moves_the_value_out) {
    auto p = af::test::assert_ready(af::poll<std::optional<std::string>>(std::in_place, "x"));
    EXPECT_EQ(p, std::optional<std::string>("x"));
}

}  // namespace

}  // namespace test_mock_task_test

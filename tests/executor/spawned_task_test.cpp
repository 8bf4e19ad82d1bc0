// SPDX-License-Identifier: MIT
// The spawned-task state machine, stepped by hand on a scheduler that only queues.
#include "af/executor/detail/spawned_task.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>

#include "af/executor/block_on.hpp"
#include "af/executor/spawn.hpp"
#include "af/future/poll_fn.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"

namespace executor_spawned_task_test {

namespace {

using af::detail::task_header;

// Runs nothing on its own: the test pops and runs queued tasks.
class manual_scheduler final : public af::detail::scheduler {
public:
    void schedule(task_header* t) noexcept override {
        ++schedules;
        if (closed) {
            t->release();
            return;
        }
        queue.push_back(t);
    }
    void adopt(task_header* t) noexcept override {
        owned.push(t);
        queue.push_back(t);
    }
    void disown(task_header* t) noexcept override { owned.remove(t); }

    bool run_one() {
        if (queue.empty()) return false;
        task_header* t = queue.front();
        queue.pop_front();
        t->run();
        return true;
    }
    void shut_down() {
        closed = true;
        for (task_header* t : queue) t->release();
        queue.clear();
        task_header* t = owned.take_all();
        while (t != nullptr) {
            task_header* next = t->owned_next;
            t->shut_down();
            t = next;
        }
    }

    std::deque<task_header*> queue;
    af::detail::owned_list owned;
    int schedules = 0;
    bool closed = false;
};

// Owns a manual_scheduler for one test and shuts it down at the end.
struct fixture {
    manual_scheduler* s = new manual_scheduler();
    fixture() = default;
    fixture(const fixture&) = delete;
    fixture& operator=(const fixture&) = delete;
    ~fixture() {
        s->shut_down();
        s->release();
    }
};

template <class F>
auto spawn(fixture& f, F&& fut) {
    return af::detail::spawn_on(*f.s, std::forward<F>(fut));
}

task_header* header_of(const std::deque<task_header*>& q) { return q.front(); }

constexpr unsigned state_mask =
    task_header::scheduled | task_header::running | task_header::notified | task_header::complete;

}  // namespace

TEST(spawned_task, starts_scheduled_with_handle_owner_and_run_references) {
    fixture f;
    af::test::manual_future<int> m;
    auto h = spawn(f, m.get());
    ASSERT_EQ(f.s->queue.size(), 1u);
    task_header* t = header_of(f.s->queue);
    EXPECT_EQ(t->use_count(), 3u);
    EXPECT_EQ(t->state_bits() & state_mask, task_header::scheduled);
    EXPECT_EQ(m.polls(), 0);
}

TEST(spawned_task, a_pending_poll_leaves_it_idle_holding_only_the_wakers_reference) {
    fixture f;
    af::test::manual_future<int> m;
    auto h = spawn(f, m.get());
    task_header* t = header_of(f.s->queue);
    ASSERT_TRUE(f.s->run_one());
    EXPECT_EQ(m.polls(), 1);
    EXPECT_TRUE(f.s->queue.empty());
    EXPECT_EQ(t->state_bits() & state_mask, 0u);
    // handle + owner + the waker clone that manual_future keeps; the run reference is gone.
    EXPECT_EQ(t->use_count(), 3u);
}

TEST(spawned_task, waking_an_idle_task_twice_queues_it_once) {
    fixture f;
    af::test::manual_future<int> m;
    auto h = spawn(f, m.get());
    ASSERT_TRUE(f.s->run_one());
    m.wake();
    m.wake();
    EXPECT_EQ(f.s->queue.size(), 1u);
    EXPECT_EQ(f.s->schedules, 1);
    ASSERT_TRUE(f.s->run_one());
    EXPECT_EQ(m.polls(), 2);
}

TEST(spawned_task, wakes_during_a_poll_requeue_it_once_after_the_poll) {
    fixture f;
    int polls = 0;
    auto h = spawn(f, af::poll_fn([&](af::context& cx) -> af::poll<int> {
                       if (++polls == 2) return 7;
                       for (int i = 0; i < 3; ++i) cx.waker().wake_by_ref();
                       return af::pending;
                   }));
    task_header* t = header_of(f.s->queue);
    ASSERT_TRUE(f.s->run_one());
    EXPECT_EQ(polls, 1);
    EXPECT_EQ(f.s->queue.size(), 1u);
    EXPECT_EQ(t->state_bits() & state_mask, task_header::scheduled);
    ASSERT_TRUE(f.s->run_one());
    EXPECT_EQ(polls, 2);
    EXPECT_TRUE(h.is_finished());
    EXPECT_FALSE(f.s->run_one());
}

TEST(spawned_task, waker_clones_count_references_on_the_task_itself) {
    fixture f;
    std::optional<af::waker> kept;
    auto h = spawn(f, af::poll_fn([&](af::context& cx) -> af::poll<void> {
                       kept.emplace(cx.waker());
                       EXPECT_EQ(cx.waker().as_raw().vtable, &af::detail::task_waker_vtable);
                       return af::pending;
                   }));
    task_header* t = header_of(f.s->queue);
    ASSERT_TRUE(f.s->run_one());
    EXPECT_EQ(kept->as_raw().data, static_cast<void*>(t));
    EXPECT_EQ(t->use_count(), 3u);
    {
        af::waker copy = *kept;
        EXPECT_EQ(t->use_count(), 4u);
        EXPECT_TRUE(copy.will_wake(*kept));
    }
    EXPECT_EQ(t->use_count(), 3u);
    std::move(*kept).wake();  // consumes the clone and queues the task
    EXPECT_EQ(f.s->queue.size(), 1u);
    EXPECT_EQ(t->use_count(), 3u);  // handle + owner + run
}

TEST(spawned_task, completion_drops_the_future_before_the_handle_sees_it) {
    fixture f;
    af::test::drop_counter drops;
    auto h = spawn(f, [g = drops.make()]() -> af::task<int> { co_return 5; });
    ASSERT_TRUE(f.s->run_one());
    EXPECT_TRUE(h.is_finished());
    EXPECT_EQ(drops.count(), 1);
    EXPECT_TRUE(f.s->owned.empty());
    af::waker noop = af::waker::noop();
    af::context cx(noop);
    EXPECT_EQ(h.poll(cx).value(), 5);
}

TEST(spawned_task, a_wake_after_completion_does_nothing) {
    fixture f;
    std::optional<af::waker> kept;
    auto h = spawn(f, af::poll_fn([&](af::context& cx) -> af::poll<void> {
                       kept.emplace(cx.waker());
                       return {};
                   }));
    task_header* t = header_of(f.s->queue);
    ASSERT_TRUE(f.s->run_one());
    EXPECT_EQ(t->use_count(), 2u);  // handle + kept waker
    kept->wake_by_ref();
    EXPECT_TRUE(f.s->queue.empty());
    EXPECT_EQ(f.s->schedules, 0);
}

TEST(spawned_task, aborting_an_idle_task_queues_it_and_drops_it_without_polling) {
    fixture f;
    af::test::manual_future<int> m;
    auto h = spawn(f, m.get());
    ASSERT_TRUE(f.s->run_one());
    h.abort();
    h.abort();
    EXPECT_EQ(f.s->queue.size(), 1u);
    EXPECT_TRUE(m.future_alive());
    ASSERT_TRUE(f.s->run_one());
    EXPECT_EQ(m.polls(), 1);
    EXPECT_FALSE(m.future_alive());
    EXPECT_TRUE(h.is_finished());
    af::waker noop = af::waker::noop();
    af::context cx(noop);
    EXPECT_THROW((void)h.poll(cx), af::cancelled_error);
}

TEST(spawned_task, aborting_during_the_poll_cancels_after_the_poll) {
    fixture f;
    af::join_handle<void>* self = nullptr;
    int polls = 0;
    auto h = spawn(f, af::poll_fn([&](af::context&) -> af::poll<void> {
                       ++polls;
                       self->abort();
                       return af::pending;
                   }));
    self = &h;
    ASSERT_TRUE(f.s->run_one());
    EXPECT_EQ(polls, 1);
    EXPECT_TRUE(h.is_finished());
    EXPECT_TRUE(f.s->queue.empty());
}

TEST(spawned_task, shutting_down_cancels_idle_and_queued_tasks) {
    fixture f;
    af::test::drop_counter drops;
    af::test::manual_future<int> m;
    auto idle = spawn(f, [g = drops.make(), fut = m.get()]() mutable -> af::task<int> { co_return co_await fut; });
    ASSERT_TRUE(f.s->run_one());
    auto queued = spawn(f, [g = drops.make()]() -> af::task<void> { co_return; });
    f.s->shut_down();
    EXPECT_EQ(drops.count(), 2);
    EXPECT_TRUE(idle.is_finished());
    EXPECT_TRUE(queued.is_finished());
    m.set(1);  // wakes a completed task: nothing happens
    EXPECT_TRUE(f.s->queue.empty());
}

TEST(spawned_task, detaching_after_an_unread_exception_reports_it) {
    static int reported = 0;
    reported = 0;
    auto old = af::executor::set_unhandled_exception_handler([](std::exception_ptr) { ++reported; });
    {
        fixture f;
        auto h = spawn(f, []() -> af::task<void> {
            throw std::runtime_error("boom");
            co_return;
        });
        ASSERT_TRUE(f.s->run_one());
        EXPECT_EQ(reported, 0);  // the handle may still read it
        h.detach();
        EXPECT_EQ(reported, 1);
    }
    af::executor::set_unhandled_exception_handler(old);
}

// The output, the exception and the future share one slot (the "stage", whose bits live in the
// state word), so a spawned af::task<T> with a word-sized T fits a 72-byte block of the frame
// allocator (an 80-byte malloc chunk when the cache is empty).
TEST(spawned_task, a_spawned_task_of_a_word_sized_output_is_72_bytes) {
    static_assert(sizeof(task_header) <= 64, "task_header grew: see the stage comment in spawned_task.hpp");
    EXPECT_EQ(sizeof(af::detail::spawned_task<af::task<std::uint64_t>>), 72u);
    EXPECT_EQ(sizeof(af::detail::spawned_task<af::task<void>>), 72u);
}

TEST(spawned_task, the_output_is_destroyed_once_when_taken) {
    af::test::drop_counter drops;
    {
        fixture f;
        auto h = spawn(f, [&]() -> af::task<af::test::drop_counter::guard> { co_return drops.make(); });
        ASSERT_TRUE(f.s->run_one());
        ASSERT_TRUE(h.is_finished());
        EXPECT_EQ(drops.count(), 0);
        {
            auto g = af::block_on(std::move(h));
            EXPECT_EQ(drops.count(), 0);  // moved out, not destroyed
        }
        EXPECT_EQ(drops.count(), 1);
    }
    EXPECT_EQ(drops.count(), 1);
}

TEST(spawned_task, an_output_nobody_takes_is_destroyed_with_the_task) {
    af::test::drop_counter drops;
    {
        fixture f;
        spawn(f, [&]() -> af::task<af::test::drop_counter::guard> { co_return drops.make(); }).detach();
        ASSERT_TRUE(f.s->run_one());
        EXPECT_EQ(drops.count(), 1);  // the last reference went with the run
    }
    EXPECT_EQ(drops.count(), 1);
}

TEST(spawned_task, an_exception_is_rethrown_by_the_handle_and_not_reported) {
    static int reported = 0;
    reported = 0;
    auto old = af::executor::set_unhandled_exception_handler([](std::exception_ptr) { ++reported; });
    {
        fixture f;
        auto h = spawn(f, []() -> af::task<std::uint64_t> {
            throw std::runtime_error("boom");
            co_return 1;
        });
        ASSERT_TRUE(f.s->run_one());
        EXPECT_THROW(af::block_on(std::move(h)), std::runtime_error);
    }
    EXPECT_EQ(reported, 0);
    af::executor::set_unhandled_exception_handler(old);
}

}  // namespace executor_spawned_task_test

// SPDX-License-Identifier: MIT
#include "af/executor/join_handle.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/executor/local_pool.hpp"
#include "af/executor/thread_pool.hpp"
#include "af/future/never.hpp"
#include "af/future/yield_now.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/wake_counter.hpp"

namespace executor_join_handle_test {

namespace {

// Installs a handler that records what detached tasks threw; restores the old one on exit.
class captured_exceptions {
public:
    captured_exceptions() { old_ = af::executor::set_unhandled_exception_handler(&record); }
    captured_exceptions(const captured_exceptions&) = delete;
    captured_exceptions& operator=(const captured_exceptions&) = delete;
    ~captured_exceptions() {
        af::executor::set_unhandled_exception_handler(old_);
        std::lock_guard lk(m());
        seen().clear();
    }
    std::vector<std::string> messages() const {
        std::lock_guard lk(m());
        return seen();
    }

private:
    static std::mutex& m() {
        static std::mutex mu;
        return mu;
    }
    static std::vector<std::string>& seen() {
        static std::vector<std::string> v;
        return v;
    }
    static void record(std::exception_ptr e) {
        std::string what;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            what = ex.what();
        }
        std::lock_guard lk(m());
        seen().push_back(what);
    }
    af::executor::unhandled_exception_handler old_;
};

af::task<int> fail_later(const char* msg) {
    co_await af::yield_now();
    throw std::runtime_error(msg);
}

}  // namespace

TEST(join_handle, cancelled_error_says_the_task_was_cancelled) {
    af::cancelled_error e;
    EXPECT_STREQ(e.what(), "task was cancelled");
    const std::exception& base = e;
    EXPECT_STREQ(base.what(), "task was cancelled");
}

TEST(join_handle, is_pending_until_the_task_completes_then_ready_with_its_output) {
    af::executor::local_pool pool;
    af::test::manual_future<std::string> m;
    auto h = pool.spawn(m.get());
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(h.poll(cx).is_pending());
    pool.run_until_stalled();
    EXPECT_TRUE(h.poll(cx).is_pending());
    EXPECT_FALSE(h.is_finished());
    m.set("done");
    EXPECT_EQ(wc.count(), 0u);  // the task is woken, not yet run
    pool.run_until_stalled();
    EXPECT_EQ(wc.count(), 1u);  // completion wakes the handle's waker once
    EXPECT_TRUE(h.is_finished());
    EXPECT_EQ(h.poll(cx).value(), "done");
    EXPECT_TRUE(h.is_finished());
}

TEST(join_handle, void_tasks_complete_with_a_ready_poll) {
    af::executor::local_pool pool;
    bool ran = false;
    auto h = pool.spawn([&ran]() -> af::task<void> {
        ran = true;
        co_return;
    });
    pool.run_until(std::move(h));
    EXPECT_TRUE(ran);
}

TEST(join_handle, rethrows_the_exception_thrown_by_the_task) {
    captured_exceptions cap;
    af::executor::local_pool pool;
    auto h = pool.spawn(fail_later("nope"));
    pool.run_until_stalled();
    ASSERT_TRUE(h.is_finished());
    af::waker noop = af::waker::noop();
    af::context cx(noop);
    try {
        (void)h.poll(cx);
        FAIL() << "expected the task's exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "nope");
    }
    h = {};
    EXPECT_TRUE(cap.messages().empty());  // it was read: nothing to report
}

TEST(join_handle, an_exception_in_a_detached_task_goes_to_the_handler) {
    captured_exceptions cap;
    af::executor::local_pool pool;
    pool.spawn(fail_later("lost?")).detach();
    pool.run();
    EXPECT_EQ(cap.messages(), std::vector<std::string>{"lost?"});
}

TEST(join_handle, an_exception_nobody_read_is_reported_when_the_handle_is_dropped) {
    captured_exceptions cap;
    af::executor::local_pool pool;
    {
        auto h = pool.spawn(fail_later("unread"));
        pool.run_until_stalled();
        EXPECT_TRUE(cap.messages().empty());
    }
    EXPECT_EQ(cap.messages(), std::vector<std::string>{"unread"});
}

TEST(join_handle, the_default_handler_prints_to_stderr) {
    af::executor::local_pool pool;
    testing::internal::CaptureStderr();
    pool.spawn(fail_later("printed")).detach();
    pool.run();
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "af: exception in detached task: printed\n");
}

TEST(join_handle, a_cancelled_detached_task_is_not_reported) {
    captured_exceptions cap;
    {
        af::executor::local_pool pool;
        pool.spawn([]() -> af::task<void> { co_await af::never(); }).detach();
        pool.run_until_stalled();
    }
    EXPECT_TRUE(cap.messages().empty());
}

TEST(join_handle, abort_after_completion_keeps_the_output) {
    af::executor::local_pool pool;
    auto h = pool.spawn([]() -> af::task<int> { co_return 4; });
    pool.run_until_stalled();
    h.abort();
    EXPECT_EQ(pool.run_until(std::move(h)), 4);
}

TEST(join_handle, an_empty_handle_is_finished_and_aborting_it_does_nothing) {
    af::join_handle<int> h;
    EXPECT_TRUE(h.is_finished());
    h.abort();
    h.detach();
}

// Not an assert: this build may define NDEBUG (see tests/headers/CMakeLists.txt, which builds
// this file a second time with it), and the second poll must throw there too.
TEST(join_handle, polling_again_after_it_returned_its_output_throws_logic_error) {
    af::executor::local_pool pool;
    auto h = pool.spawn([]() -> af::task<std::string> { co_return "once"; });
    pool.run_until_stalled();
    af::waker noop = af::waker::noop();
    af::context cx(noop);
    EXPECT_EQ(h.poll(cx).value(), "once");
    try {
        (void)h.poll(cx);
        FAIL() << "expected std::logic_error";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(),
                     "af::join_handle awaited after it already returned its output: a task's "
                     "output can be taken only once");
    }
    EXPECT_TRUE(h.is_finished());
}

TEST(join_handle, polling_again_after_it_rethrew_the_task_exception_throws_logic_error) {
    captured_exceptions cap;
    af::executor::local_pool pool;
    auto h = pool.spawn(fail_later("nope"));
    pool.run_until_stalled();
    af::waker noop = af::waker::noop();
    af::context cx(noop);
    EXPECT_THROW((void)h.poll(cx), std::runtime_error);
    EXPECT_THROW((void)h.poll(cx), std::logic_error);  // not the (already moved-out) error again
}

TEST(join_handle, polling_an_empty_handle_throws_logic_error) {
    af::join_handle<int> h;
    af::waker noop = af::waker::noop();
    af::context cx(noop);
    try {
        (void)h.poll(cx);
        FAIL() << "expected std::logic_error";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(),
                     "af::join_handle awaited while empty: it was default-constructed, moved "
                     "from or detached, so it has no task");
    }
}

TEST(join_handle, may_be_awaited_on_another_thread_than_the_one_running_the_task) {
    af::executor::local_pool pool;
    af::test::manual_future<int> m;
    auto h = pool.spawn(m.get());
    std::atomic<int> got{0};
    std::thread waiter([&] { got = af::block_on(std::move(h)); });
    pool.run_until_stalled();
    m.set(21);
    pool.run_until_stalled();
    waiter.join();
    EXPECT_EQ(got.load(), 21);
}

TEST(join_handle, abort_racing_completion_gives_one_outcome_and_destroys_once) {
    af::executor::thread_pool pool(2);
    int completed = 0;
    int cancelled = 0;
    for (int i = 0; i < 300; ++i) {
        af::test::drop_counter drops;
        af::test::manual_future<int> m;
        auto h = pool.spawn([g = drops.make(), f = m.get()]() mutable -> af::task<int> { co_return co_await f; });
        std::thread setter([&] { m.set(i); });
        std::thread aborter([&] { h.abort(); });
        setter.join();
        aborter.join();
        try {
            EXPECT_EQ(af::block_on(std::move(h)), i);
            ++completed;
        } catch (const af::cancelled_error&) {
            ++cancelled;
        }
        EXPECT_EQ(drops.count(), 1);
    }
    EXPECT_EQ(completed + cancelled, 300);
}

TEST(join_handle, abort_while_pending_on_a_thread_pool_destroys_the_task_once) {
    af::executor::thread_pool pool(2);
    af::test::drop_counter drops;
    af::test::manual_future<int> m;
    auto h = pool.spawn([g = drops.make(), f = m.get()]() mutable -> af::task<int> { co_return co_await f; });
    while (!m.has_waiter()) std::this_thread::yield();
    h.abort();
    EXPECT_THROW(af::block_on(std::move(h)), af::cancelled_error);
    EXPECT_EQ(drops.count(), 1);
    m.set(1);  // the future is gone: nothing is woken
    EXPECT_EQ(drops.count(), 1);
}

TEST(join_handle, is_finished_is_visible_from_other_threads) {
    af::executor::thread_pool pool(2);
    af::test::manual_future<int> m;
    auto h = pool.spawn(m.get());
    EXPECT_FALSE(h.is_finished());
    m.set(3);
    while (!h.is_finished()) std::this_thread::yield();
    EXPECT_EQ(af::block_on(std::move(h)), 3);
}

TEST(join_handle, detach_racing_a_failing_task_reports_the_exception_exactly_once) {
    captured_exceptions cap;
    constexpr int n = 200;
    {
        af::executor::thread_pool pool(2);
        for (int i = 0; i < n; ++i) {
            auto h = pool.spawn(fail_later("raced"));
            std::this_thread::yield();
            h.detach();  // before, during or after the task's completion
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (cap.messages().size() < static_cast<std::size_t>(n) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    EXPECT_EQ(cap.messages().size(), static_cast<std::size_t>(n));
}

TEST(join_handle, aborting_many_running_tasks_destroys_each_once) {
    constexpr int n = 200;
    af::test::drop_counter drops;
    af::executor::thread_pool pool(2);
    std::vector<af::join_handle<int>> handles;
    for (int i = 0; i < n; ++i) {
        handles.push_back(pool.spawn([g = drops.make(), i]() -> af::task<int> {
            for (int k = 0; k < i % 7; ++k) co_await af::yield_now();
            co_return i;
        }));
    }
    std::thread aborter([&] {
        for (int i = 0; i < n; i += 2) handles[i].abort();
    });
    aborter.join();
    int finished = 0;
    for (int i = 0; i < n; ++i) {
        try {
            EXPECT_EQ(af::block_on(std::move(handles[i])), i);
            ++finished;
        } catch (const af::cancelled_error&) {
            EXPECT_EQ(i % 2, 0) << "only aborted tasks may be cancelled";
        }
    }
    EXPECT_GE(finished, n / 2);
    EXPECT_EQ(drops.count(), n);
}

}  // namespace executor_join_handle_test

// SPDX-License-Identifier: MIT
#include "af/rt/watchdog.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/sync/notify.hpp"
#include "af/time/sleep.hpp"

namespace rt_watchdog_test {

using namespace std::chrono_literals;

namespace {

// Reports captured by an on_blocking hook (called on the watchdog's thread).
struct captured_reports {
    std::mutex m;
    std::vector<af::rt::blocking_report> reports;
    auto hook() {
        return [this](const af::rt::blocking_report& r) {
            std::lock_guard lk(m);
            reports.push_back(r);
        };
    }
};

// The id of the task dump_tasks lists as running, polled until one shows up (null after 10 s).
const void* running_task_id(const af::rt::runtime& rt) {
    for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
        for (const af::rt::task_dump& d : rt.dump_tasks()) {
            if (d.state == af::rt::task_dump::task_state::running) return d.id;
        }
        std::this_thread::sleep_for(1ms);
    }
    return nullptr;
}

TEST(watchdog, multi_thread_reports_a_blocking_poll_once_with_its_worker_task_and_duration) {
    captured_reports c;
    const void* blocked_id = nullptr;
    {
        af::rt::runtime rt =
            af::rt::builder().multi_thread().worker_threads(2).blocking_watchdog(50ms).on_blocking(c.hook()).build();
        auto h = rt.spawn([]() -> af::task<void> {
            std::this_thread::sleep_for(300ms);  // the mistake the watchdog is for
            co_return;
        });
        blocked_id = running_task_id(rt);
        rt.block_on(std::move(h));
    }  // dropping the runtime joins the watchdog: no report can still be on its way
    ASSERT_NE(blocked_id, nullptr);
    ASSERT_EQ(c.reports.size(), 1u);
    const af::rt::blocking_report& r = c.reports[0];
    EXPECT_LT(r.worker, 2u);
    EXPECT_GE(r.duration, 50ms);
    EXPECT_EQ(r.threshold, 50ms);
    EXPECT_EQ(r.task, blocked_id);
    std::string text = to_string(r);
    EXPECT_NE(text.find("worker " + std::to_string(r.worker)), std::string::npos) << text;
    EXPECT_NE(text.find("spawn_blocking"), std::string::npos) << text;
}

// Many short polls over several thresholds: none of them holds the worker.
TEST(watchdog, a_task_that_yields_often_is_not_reported) {
    for (bool multi : {true, false}) {
        captured_reports c;
        {
            af::rt::builder b;
            if (multi) {
                b.multi_thread().worker_threads(2);
            } else {
                b.current_thread();
            }
            af::rt::runtime rt = b.enable_time().blocking_watchdog(50ms).on_blocking(c.hook()).build();
            rt.block_on(rt.spawn([]() -> af::task<void> {
                auto end = std::chrono::steady_clock::now() + 300ms;
                while (std::chrono::steady_clock::now() < end) co_await af::time::sleep(2ms);
            }));
        }
        EXPECT_TRUE(c.reports.empty()) << (multi ? "multi_thread" : "current_thread") << ": "
                                       << to_string(c.reports.at(0));
    }
}

TEST(watchdog, current_thread_reports_a_blocking_task_and_a_blocking_block_on_future) {
    captured_reports c;
    {
        af::rt::runtime rt = af::rt::builder().current_thread().blocking_watchdog(50ms).on_blocking(c.hook()).build();
        rt.block_on([&]() -> af::task<void> {
            co_await af::rt::spawn([]() -> af::task<void> {
                std::this_thread::sleep_for(300ms);
                co_return;
            });
            std::this_thread::sleep_for(300ms);  // block_on's own future: watched too
        });
    }
    ASSERT_EQ(c.reports.size(), 2u);
    for (const af::rt::blocking_report& r : c.reports) {
        EXPECT_EQ(r.worker, 0u);
        EXPECT_GE(r.duration, 50ms);
    }
    EXPECT_NE(c.reports[0].task, nullptr);  // the spawned task
    EXPECT_EQ(c.reports[1].task, nullptr);  // the future given to block_on
    EXPECT_NE(to_string(c.reports[1]).find("block_on"), std::string::npos);
}

TEST(watchdog, disable_blocking_watchdog_turns_it_off) {
    captured_reports c;
    {
        af::rt::runtime rt =
            af::rt::builder().current_thread().disable_blocking_watchdog().on_blocking(c.hook()).build();
        rt.block_on([]() -> af::task<void> {
            std::this_thread::sleep_for(150ms);
            co_return;
        });
    }
    EXPECT_TRUE(c.reports.empty());
}

// What a dump hook received, and whether the blocked task was still blocked then.
struct captured_dump {
    std::mutex m;
    std::condition_variable cv;
    std::string text;
    bool arrived = false;
    auto hook() {
        return [this](const std::string& t) {
            {
                std::lock_guard lk(m);
                if (arrived) return;
                text = t;
                arrived = true;
            }
            cv.notify_all();
        };
    }
    // Blocks the calling thread (a worker) until a dump arrives, at most `limit`; true if one did.
    bool block_until_dump(std::chrono::milliseconds limit) {
        std::unique_lock lk(m);
        return cv.wait_for(lk, limit, [&] { return arrived; });
    }
};

void dumps_on_signal_while_the_only_worker_is_blocked(af::rt::builder b, int signum) {
    captured_dump d;
    std::atomic<bool> blocking{false};
    std::atomic<bool> dumped_while_blocked{false};
    af::sync::notify never_notified;
    {
        af::rt::runtime rt = b.multi_thread().worker_threads(1).on_dump(d.hook()).build();
        auto idle = rt.spawn([&]() -> af::task<void> { co_await never_notified.notified(); });
        auto blocked = rt.spawn([&]() -> af::task<void> {
            blocking = true;
            // The only worker is stuck here until the dump arrives: the dump cannot need it.
            dumped_while_blocked = d.block_until_dump(10s);
            co_return;
        });
        while (!blocking) std::this_thread::yield();
        auto start = std::chrono::steady_clock::now();
        ASSERT_EQ(std::raise(signum), 0);
        rt.block_on(std::move(blocked));
        EXPECT_TRUE(dumped_while_blocked) << "no dump within 10 s while the worker was blocked";
        EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    }
    std::lock_guard lk(d.m);
    EXPECT_NE(d.text.find("af: dump of runtime"), std::string::npos) << d.text;
    EXPECT_NE(d.text.find("2 live tasks"), std::string::npos) << d.text;
    EXPECT_NE(d.text.find("running"), std::string::npos) << d.text;
    EXPECT_NE(d.text.find("waiting on"), std::string::npos) << d.text;  // the idle task's chain
}

TEST(dump_on_signal, dumps_every_task_while_the_only_worker_is_blocked_and_restores_the_handler) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction before {};
    ASSERT_EQ(::sigaction(SIGUSR2, &ignore, &before), 0);
    dumps_on_signal_while_the_only_worker_is_blocked(af::rt::builder().disable_blocking_watchdog().dump_on_signal(SIGUSR2),
                                                     SIGUSR2);
    struct sigaction after {};
    ASSERT_EQ(::sigaction(SIGUSR2, &before, &after), 0);
    EXPECT_EQ(after.sa_handler, SIG_IGN);  // the runtime gave the signal back
}

TEST(dump_on_signal, the_environment_variable_names_the_signal) {
    ASSERT_EQ(::setenv("AF_DUMP_SIGNAL", "SIGUSR1", 1), 0);
    af::rt::builder b;
    b.disable_blocking_watchdog();
    dumps_on_signal_while_the_only_worker_is_blocked(b, SIGUSR1);
    ::unsetenv("AF_DUMP_SIGNAL");
}

TEST(dump_on_signal, an_uncatchable_signal_is_refused) {
    EXPECT_THROW((void)af::rt::builder().current_thread().dump_on_signal(SIGKILL).build(), std::invalid_argument);
}

}  // namespace

}  // namespace rt_watchdog_test

// SPDX-License-Identifier: MIT
// What a task dump shows beyond one await chain (issue 21): each running branch of a combinator
// (select, join, join_all, try_join, timeout), the future given to block_on, and a running
// task's worker and how long its poll has run.
#include "af/rt/dump_tasks.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/future/join.hpp"
#include "af/future/join_all.hpp"
#include "af/future/select.hpp"
#include "af/future/try_join.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/sync/notify.hpp"
#include "af/test/manual_future.hpp"
#include "af/time/sleep.hpp"
#include "af/time/timeout.hpp"

namespace rt_dump_coverage_test {

namespace {

using namespace std::chrono_literals;
using af::rt::task_dump;

int reader_line = 0;

af::task<int> reader(af::test::manual_future<int>& m) {
    reader_line = __LINE__ + 1;
    int v = co_await m.get();
    co_return v;
}

af::task<void> waiter(af::sync::notify& n) { co_await n.notified(); }

// Dumps from inside the runtime until some task has `want` branches, then returns that task.
task_dump dump_until(af::rt::runtime& rt, std::size_t want) {
    task_dump found;
    rt.block_on([&]() -> af::task<void> {
        for (int i = 0; i < 100000; ++i) {
            for (task_dump& d : af::rt::dump_tasks()) {
                if (!d.is_root && d.branches.size() == want) {
                    found = std::move(d);
                    co_return;
                }
            }
            co_await af::yield_now();
        }
    });
    return found;
}

TEST(dump_coverage, select_shows_each_racing_branch_with_its_own_chain) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().build();
    af::test::manual_future<int> m;
    auto h = rt.spawn([&]() -> af::task<int> {
        auto r = co_await af::select(reader(m), af::time::sleep(1h));
        co_return r.index() == 0 ? std::get<0>(r) : -1;
    });
    task_dump d = dump_until(rt, 2);
    ASSERT_EQ(d.branches.size(), 2u) << af::rt::to_string(d);
    EXPECT_EQ(d.leaf, "af::select");
    EXPECT_EQ(d.branches[0].index, 0u);
    ASSERT_EQ(d.branches[0].chain.size(), 1u);
    EXPECT_EQ(d.branches[0].chain[0].line, static_cast<unsigned>(reader_line));
    EXPECT_NE(d.branches[0].chain[0].function.find("reader"), std::string::npos) << d.branches[0].chain[0].function;
    EXPECT_NE(d.branches[0].leaf.find("manual_future"), std::string::npos) << d.branches[0].leaf;
    EXPECT_EQ(d.branches[1].index, 1u);
    EXPECT_NE(d.branches[1].leaf.find("sleep"), std::string::npos) << d.branches[1].leaf;
    std::string text = af::rt::to_string(d);
    EXPECT_NE(text.find("waiting on af::select:\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\n    branch 0\n      at "), std::string::npos) << text;
    EXPECT_NE(text.find("dump_coverage_test.cpp:" + std::to_string(reader_line)), std::string::npos) << text;

    m.set(7);
    EXPECT_EQ(rt.block_on(std::move(h)), 7);
}

TEST(dump_coverage, a_finished_branch_is_not_listed_and_branches_nest) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().build();
    af::test::manual_future<int> a;
    af::test::manual_future<int> b;
    af::sync::notify n;
    auto h = rt.spawn([&]() -> af::task<void> {
        // join(ready-at-once, timeout(join(reader, reader)), waiter): the first child finishes in
        // the first poll; the timeout nests a join of two readers.
        auto inner = af::join(reader(a), reader(b));
        auto t = af::time::timeout(1h, std::move(inner));
        auto r = co_await af::join(af::yield_now(), std::move(t), waiter(n));
        (void)r;
    });
    task_dump d = dump_until(rt, 2);
    ASSERT_EQ(d.branches.size(), 2u) << af::rt::to_string(d);
    EXPECT_EQ(d.leaf, "af::join");
    EXPECT_EQ(d.branches[0].index, 1u);  // child 0 (yield_now) finished
    EXPECT_EQ(d.branches[0].leaf, "af::time::timeout");
    ASSERT_EQ(d.branches[0].branches.size(), 1u);
    const auto& inner = d.branches[0].branches[0];
    EXPECT_EQ(inner.leaf, "af::join");
    ASSERT_EQ(inner.branches.size(), 2u);
    EXPECT_EQ(inner.branches[1].chain.size(), 1u);
    EXPECT_EQ(d.branches[1].index, 2u);
    EXPECT_NE(d.branches[1].leaf.find("notif"), std::string::npos) << d.branches[1].leaf;

    a.set(1);
    b.set(2);
    n.notify_one();
    rt.block_on(std::move(h));
}

TEST(dump_coverage, join_all_and_try_join_list_their_running_children) {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    af::test::manual_future<int> a;
    af::test::manual_future<int> b;
    af::test::manual_future<int> c;
    auto h = rt.spawn([&]() -> af::task<void> {
        std::vector<af::task<int>> v;
        v.push_back(reader(a));
        v.push_back(reader(b));
        v.push_back(reader(c));
        auto all = af::join_all(std::move(v));
        auto r = co_await std::move(all);
        (void)r;
    });
    task_dump d = dump_until(rt, 3);
    EXPECT_EQ(d.leaf, "af::join_all");
    ASSERT_EQ(d.branches.size(), 3u);
    EXPECT_EQ(d.branches[2].index, 2u);
    a.set(1);
    b.set(2);
    c.set(3);
    rt.block_on(std::move(h));

    af::test::manual_future<int> x;
    af::test::manual_future<int> y;
    auto g = rt.spawn([&]() -> af::task<void> {
        auto r = co_await af::try_join(reader(x), reader(y));
        (void)r;
    });
    task_dump e = dump_until(rt, 2);
    EXPECT_EQ(e.leaf, "af::try_join");
    x.set(1);
    y.set(2);
    rt.block_on(std::move(g));
}

int root_line = 0;

af::task<void> root_body(af::sync::notify& parked, af::sync::notify& release) {
    parked.notify_one();
    root_line = __LINE__ + 1;
    co_await release.notified();
}

TEST(dump_coverage, the_future_given_to_block_on_is_listed_with_its_chain) {
    for (bool multi : {false, true}) {
        af::rt::runtime rt = multi ? af::rt::builder().multi_thread().worker_threads(2).build()
                                   : af::rt::builder().current_thread().build();
        af::sync::notify parked;
        af::sync::notify release;
        std::vector<task_dump> seen;
        // A spawned task dumps while the root waits on `release`, then lets it go.
        auto h = rt.spawn([&]() -> af::task<void> {
            co_await parked.notified();
            for (int i = 0; i < 100000; ++i) {
                seen = af::rt::dump_tasks();
                bool idle_root = false;
                for (const task_dump& d : seen) idle_root |= d.is_root && d.state == task_dump::task_state::idle;
                if (idle_root) break;
                co_await af::yield_now();
            }
            release.notify_one();
        });
        rt.block_on(root_body(parked, release));
        rt.block_on(std::move(h));
        const task_dump* root = nullptr;
        for (const task_dump& d : seen) {
            if (d.is_root) root = &d;
        }
        ASSERT_NE(root, nullptr) << "multi=" << multi;
        EXPECT_EQ(root->state, task_dump::task_state::idle);
        EXPECT_EQ(root->id, nullptr);
        ASSERT_EQ(root->chain.size(), 1u);
        EXPECT_EQ(root->chain[0].line, static_cast<unsigned>(root_line));
        EXPECT_NE(root->leaf.find("notif"), std::string::npos) << root->leaf;
        EXPECT_EQ(af::rt::to_string(*root).rfind("block_on future idle\n", 0), 0u) << af::rt::to_string(*root);
        // Gone once block_on returned.
        for (const task_dump& d : rt.dump_tasks()) EXPECT_FALSE(d.is_root);
    }
}

TEST(dump_coverage, a_dump_racing_the_root_poll_sees_it_running_or_idle_never_torn) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).build();
    std::atomic<bool> stop{false};
    std::atomic<int> dumps{0};
    std::atomic<int> roots{0};
    std::thread dumper([&] {
        while (!stop.load()) {
            for (const task_dump& d : rt.dump_tasks()) roots += d.is_root ? 1 : 0;
            ++dumps;
        }
    });
    // The root yields until the dumper has dumped many times while it runs: each poll takes the
    // slot the dumper inspects (a bound on the yields keeps a stuck dumper from hanging the test).
    rt.block_on([&]() -> af::task<void> {
        int start = dumps.load();
        for (int i = 0; i < 5000000 && dumps.load() - start < 500; ++i) co_await af::yield_now();
    });
    stop = true;
    dumper.join();
    EXPECT_GE(dumps.load(), 500);
    EXPECT_GT(roots.load(), 0);
}

TEST(dump_coverage, a_running_task_shows_its_worker_and_how_long_it_has_run) {
    af::rt::runtime rt = af::rt::builder()
                             .multi_thread()
                             .worker_threads(2)
                             .blocking_watchdog(20ms)
                             .on_blocking([](const af::rt::blocking_report&) {})
                             .build();
    std::atomic<bool> spinning{false};
    std::atomic<bool> done{false};
    auto spinner = rt.spawn([&]() -> af::task<void> {
        spinning = true;
        // Holds its worker (deliberately: what the watchdog exists to find) until the dump saw it.
        auto until = std::chrono::steady_clock::now() + 5s;
        while (!done.load() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
        co_return;
    });
    task_dump running;
    auto observer = rt.spawn([&]() -> af::task<void> {
        while (!spinning.load()) co_await af::yield_now();
        for (int i = 0; i < 2000; ++i) {
            for (task_dump& d : af::rt::dump_tasks()) {
                if (!d.is_root && d.state == task_dump::task_state::running && d.running_for >= 30ms) running = d;
            }
            if (running.id != nullptr) break;
            std::this_thread::sleep_for(5ms);  // this task blocks too: the watchdog is muted above
            co_await af::yield_now();
        }
        done = true;
    });
    rt.block_on(std::move(observer));
    rt.block_on(std::move(spinner));
    ASSERT_NE(running.id, nullptr) << "no dump showed the spinning task as running for 30 ms";
    EXPECT_LT(running.worker, 2u);
    std::string text = af::rt::to_string(running);
    EXPECT_NE(text.find("running on worker " + std::to_string(running.worker) + " for at least "), std::string::npos)
        << text;
}

}  // namespace

}  // namespace rt_dump_coverage_test

// SPDX-License-Identifier: MIT
#include "af/rt/dump_tasks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/future/never.hpp"
#include "af/future/yield_now.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/sync/notify.hpp"

namespace rt_dump_tasks_test {

namespace {

int inner_line = 0;
int outer_line = 0;

af::task<void> inner(af::sync::notify& n) {
    inner_line = __LINE__ + 1;
    co_await n.notified();
}

af::task<int> outer(af::sync::notify& n) {
    outer_line = __LINE__ + 1;
    co_await inner(n);
    co_return 5;
}

const af::rt::task_dump* find_with_frames(const std::vector<af::rt::task_dump>& ds) {
    for (const auto& d : ds) {
        if (!d.chain.empty()) return &d;
    }
    return nullptr;
}

TEST(dump_tasks, shows_the_await_chain_of_an_idle_task_with_file_line_and_leaf) {
    for (bool multi : {false, true}) {
        af::rt::runtime rt = multi ? af::rt::builder().multi_thread().worker_threads(2).build()
                                   : af::rt::builder().current_thread().build();
        af::sync::notify n;
        auto h = rt.spawn(outer(n));
        std::vector<af::rt::task_dump> ds;
        rt.block_on([&]() -> af::task<void> {
            // Wait until the task is parked on the notify, then dump.
            for (int i = 0; i < 100000; ++i) {
                ds = af::rt::dump_tasks();
                if (find_with_frames(ds) != nullptr) break;
                co_await af::yield_now();
            }
        });
        const af::rt::task_dump* d = find_with_frames(ds);
        ASSERT_NE(d, nullptr);
        EXPECT_EQ(d->state, af::rt::task_dump::task_state::idle);
        ASSERT_EQ(d->chain.size(), 2u);
        EXPECT_EQ(d->chain[0].line, static_cast<unsigned>(outer_line));
        EXPECT_EQ(d->chain[1].line, static_cast<unsigned>(inner_line));
        EXPECT_NE(d->chain[0].file.find("dump_tasks_test.cpp"), std::string::npos);
        EXPECT_NE(d->chain[0].function.find("outer"), std::string::npos) << d->chain[0].function;
        EXPECT_NE(d->leaf.find("notif"), std::string::npos) << d->leaf;
        std::string text = af::rt::to_string(*d);
        EXPECT_NE(text.find("dump_tasks_test.cpp:" + std::to_string(inner_line)), std::string::npos) << text;

        // Inspecting did not disturb the task: it still wakes and finishes.
        n.notify_one();
        EXPECT_EQ(rt.block_on(std::move(h)), 5);
        EXPECT_TRUE(rt.dump_tasks().empty());
    }
}

TEST(dump_tasks, a_wake_during_inspection_is_not_lost) {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    af::sync::notify n;
    auto h = rt.spawn(outer(n));
    rt.block_on(af::yield_now());  // the task runs and parks on the notify
    // Dump from another thread while this one wakes the task, many times over.
    std::thread dumper([&] {
        for (int i = 0; i < 200; ++i) (void)rt.dump_tasks();
    });
    n.notify_one();
    EXPECT_EQ(rt.block_on(std::move(h)), 5);
    dumper.join();
}

TEST(dump_tasks, outside_a_runtime_is_a_clear_error) {
    EXPECT_THROW((void)af::rt::dump_tasks(), std::logic_error);
}

}  // namespace

}  // namespace rt_dump_tasks_test

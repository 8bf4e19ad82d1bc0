// SPDX-License-Identifier: MIT
// Issue 22: a join handle assigned over releases its task (detaches it: the task runs on, and
// the finished task's output is freed with the last reference); std::vector::erase works.
#include "af/executor/join_handle.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/local_pool.hpp"

namespace executor_join_handle_move_assign_test {

af::task<std::shared_ptr<int>> give(std::shared_ptr<int> p) { co_return p; }

TEST(join_handle_move_assign, a_handle_assigned_over_frees_its_finished_task) {
    af::executor::local_pool pool;
    auto out = std::make_shared<int>(7);
    auto h1 = pool.spawn(give(out));
    auto h2 = pool.spawn(give(std::make_shared<int>(8)));
    pool.run_until_stalled();
    EXPECT_EQ(out.use_count(), 2) << "the finished task keeps its output for the handle";
    h1 = std::move(h2);
    EXPECT_EQ(out.use_count(), 1) << "the handle assigned over kept its task";
    EXPECT_EQ(*pool.run_until(std::move(h1)), 8);
}

TEST(join_handle_move_assign, a_running_task_whose_handle_is_assigned_over_runs_on) {
    af::executor::local_pool pool;
    int ran = 0;
    auto job = [&ran]() -> af::task<int> {
        ++ran;
        co_return ran;
    };
    std::vector<af::join_handle<int>> hs;
    for (int i = 0; i < 3; ++i) hs.push_back(pool.spawn(job()));
    hs.erase(hs.begin());  // detaches the first task; it still runs
    EXPECT_EQ(hs.size(), 2u);
    pool.run_until_stalled();
    EXPECT_EQ(ran, 3);
    EXPECT_TRUE(hs[0].is_finished());
}

}  // namespace executor_join_handle_move_assign_test

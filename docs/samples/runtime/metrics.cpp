// SPDX-License-Identifier: MIT
// Looking inside a running runtime: metrics and the list of live tasks.
#include <af/rt.hpp>

#include <cassert>
#include <cstdio>

#include "af/future/never.hpp"
#include "af/future/yield_now.hpp"


int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    rt.block_on([]() -> af::task<void> {
        // Three tasks that wait for something that never comes.
        for (int i = 0; i < 3; ++i) af::rt::spawn([]() -> af::task<void> { co_await af::never<void>(); });
        co_await af::yield_now();  // let them start

        af::rt::runtime_metrics m = af::rt::metrics();
        assert(m.tasks_alive == 3);
        assert(m.tasks_spawned == 3);

        // The dump lists the three tasks, and this future given to block_on (running: it is
        // the one asking), listed first.
        auto tasks = af::rt::dump_tasks();
        assert(tasks.size() == 4);
        assert(tasks[0].is_root && tasks[0].state == af::rt::task_dump::task_state::running);
        for (const af::rt::task_dump& t : tasks) {
            if (t.is_root) continue;
            assert(t.state == af::rt::task_dump::task_state::idle);
            std::fputs(af::rt::to_string(t).c_str(), stdout);
        }
    });
    // Dropping the runtime cancels the three waiting tasks.
}

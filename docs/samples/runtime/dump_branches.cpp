// SPDX-License-Identifier: MIT
// A task dump shows each branch of a select, and the future given to block_on.
#include <af/rt.hpp>

#include <cassert>
#include <chrono>
#include <cstdio>

#include "af/future/select.hpp"
#include "af/future/yield_now.hpp"
#include "af/sync/notify.hpp"
#include "af/time/sleep.hpp"

using namespace std::chrono_literals;

af::task<void> wait_for_work(af::sync::notify& work) { co_await work.notified(); }

int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_time().build();
    af::sync::notify work;
    auto worker = rt.spawn([&]() -> af::task<void> {
        // Whichever comes first: work, or an idle timeout.
        co_await af::select(wait_for_work(work), af::time::sleep(30s));
    });
    rt.block_on([&]() -> af::task<void> {
        co_await af::yield_now();  // let the worker start and park
        for (const af::rt::task_dump& t : af::rt::dump_tasks()) {
            if (t.is_root) continue;  // this future: running, it is the one asking
            assert(t.leaf == "af::select" && t.branches.size() == 2);
            std::fputs(af::rt::to_string(t).c_str(), stdout);
        }
        work.notify_one();
    });
    rt.block_on(std::move(worker));
}

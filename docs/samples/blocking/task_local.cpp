// SPDX-License-Identifier: MIT
// task_local: a per-request value that follows each task across awaits and worker threads.
#include <af/core/task.hpp>
#include <af/rt/runtime.hpp>
#include <af/rt/spawn.hpp>
#include <af/rt/task_local.hpp>

#include <cassert>
#include <string>
#include <vector>

static af::rt::task_local<std::string> request_id;

// Deep in the call tree, no parameter needed.
std::string log_line(const char* what) { return request_id.get() + ": " + what; }

af::task<std::vector<std::string>> handle_request() {
    std::vector<std::string> log;
    log.push_back(log_line("start"));
    co_await af::rt::yield_now();  // may resume on another worker
    log.push_back(log_line("done"));
    co_return log;
}

int main() {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).build();
    rt.block_on([]() -> af::task<void> {
        std::vector<af::join_handle<std::vector<std::string>>> hs;
        for (int i = 0; i < 4; ++i) {
            // A spawned task does not inherit the value: each gets its own scope.
            hs.push_back(af::rt::spawn(request_id.scope("req-" + std::to_string(i), handle_request())));
        }
        for (int i = 0; i < 4; ++i) {
            std::vector<std::string> log = co_await std::move(hs[static_cast<std::size_t>(i)]);
            std::string id = "req-" + std::to_string(i);
            assert(log == (std::vector<std::string>{id + ": start", id + ": done"}));
        }
        assert(request_id.try_get() == nullptr);  // this task never entered a scope
    });
}

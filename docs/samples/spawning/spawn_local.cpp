// SPDX-License-Identifier: MIT
// spawn_local: tasks that never leave the thread, so they may share plain (non-atomic) state.
#include <af/rt.hpp>

#include <cassert>
#include <memory>
#include <vector>

int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    int total = rt.block_on([]() -> af::task<int> {
        auto counter = std::make_shared<int>(0);  // not atomic: only this thread touches it
        std::vector<af::join_handle<void>> hs;
        for (int i = 1; i <= 10; ++i) {
            hs.push_back(af::rt::spawn_local([counter, i]() -> af::task<void> {
                co_await af::rt::yield_now();
                *counter += i;
            }));
        }
        for (auto& h : hs) co_await std::move(h);
        co_return *counter;
    });
    assert(total == 55);
}

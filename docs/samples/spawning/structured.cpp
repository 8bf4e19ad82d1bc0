// SPDX-License-Identifier: MIT
// Three ways to run work concurrently, from least to most detached.
#include <af/af.hpp>
#include <af/rt.hpp>

#include <cassert>
#include <vector>

af::task<int> square(int i) {
    co_await af::rt::yield_now();
    co_return i * i;
}

af::task<void> add_square(int i, int& total) {  // borrows `total`: only safe inside a scope
    total += co_await square(i);
}

af::task<void> app() {
    // 1. join_all: concurrent on this task's thread, no spawn; nothing outlives the await.
    std::vector<af::task<int>> fs;
    for (int i = 1; i <= 4; ++i) fs.push_back(square(i));
    std::vector<int> a = co_await af::join_all(std::move(fs));

    // 2. spawn, then join the handles: parallel on the workers; each task owns what it holds.
    std::vector<af::join_handle<int>> hs;
    for (int i = 1; i <= 4; ++i) hs.push_back(af::rt::spawn(square(i)));
    std::vector<int> b = co_await af::join_all(std::move(hs));
    assert(a == b);

    // 3. af::scope: children may borrow the caller's locals, because the scope cannot end
    //    before they do.
    int total = 0;
    af::scope s;  // declared after `total`: destroyed first
    for (int i = 1; i <= 4; ++i) s.spawn(add_square(i, total));
    co_await s;
    assert(total == 1 + 4 + 9 + 16);
}

int main() {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).build();
    rt.block_on(app());
}

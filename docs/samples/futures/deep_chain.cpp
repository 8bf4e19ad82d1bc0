// SPDX-License-Identifier: MIT
// A million nested awaits of tasks that finish at once, without growing the stack.
#include <af/af.hpp>

#include <cassert>
#include <cstdint>

[[gnu::noinline]] std::uintptr_t stack_position() {
    return reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
}

std::uintptr_t deepest = 0;

// Recursion through co_await: each level is its own task, with its own frame on the heap.
af::task<std::int64_t> sum_to(std::int64_t n) {
    if (n == 0) {
        deepest = stack_position();
        co_return 0;
    }
    std::int64_t rest = co_await sum_to(n - 1);
    co_return n + rest;
}

int main() {
    // Awaiting a task does not call into it: the awaiter suspends and the task's root resumes
    // the child next, from a loop; when the child ends the loop resumes the awaiter. The depth
    // lives in heap frames, not on the thread's stack, at every optimisation level.
    constexpr std::int64_t depth = 1'000'000;
    std::uintptr_t top = stack_position();
    assert(af::block_on(sum_to(depth)) == depth * (depth + 1) / 2);
    assert(top - deepest < 64 * 1024);  // a handful of machine frames, not a million
}

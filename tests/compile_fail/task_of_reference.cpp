// SPDX-License-Identifier: MIT
/// Misuse: `af::task<T&>`. A task's output outlives the frame that produced it, so a reference
/// would dangle; the task must say so and point at the alternatives.
///
/// expect-error: af::task<T>: T must not be a reference
/// max-lines: 60
#include "af/core/task.hpp"

namespace {
int value = 7;
}

#ifdef AF_COMPILE_FAIL
af::task<int&> misuse() { co_return value; }
#else
af::task<int*> misuse() { co_return &value; }
#endif

int main() {
    auto t = misuse();
    (void)t;
}

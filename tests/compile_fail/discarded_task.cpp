// SPDX-License-Identifier: MIT
/// Misuse: calling an async function and dropping the task. Nothing runs, so the compiler must
/// warn (an error under -Werror, which the driver uses) and say why.
///
/// expect-error: a task does nothing until it is awaited
/// max-lines: 20
#include "af/core/task.hpp"

af::task<int> answer() { co_return 42; }

int main() {
#ifdef AF_COMPILE_FAIL
    answer();
#else
    auto t = answer();
    (void)t;
#endif
}

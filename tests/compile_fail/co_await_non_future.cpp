// SPDX-License-Identifier: MIT
/// Misuse: `co_await` on something that is not an `af::future` inside an `af::task`.
/// The promise's await_transform must reject it with a static_assert that names the af API and
/// the missing requirement, and the whole diagnostic must stay short enough to read.
///
/// expect-error: af::task can only co_await an af::future
/// max-lines: 25
#include "af/core/task.hpp"
#include "af/future/ready.hpp"

af::task<int> misuse() {
#ifdef AF_COMPILE_FAIL
    int x = co_await 42;  // an int has no `output` and no `poll`
#else
    int x = co_await af::ready(42);
#endif
    co_return x;
}

int main() {
    auto t = misuse();
    (void)t;
}

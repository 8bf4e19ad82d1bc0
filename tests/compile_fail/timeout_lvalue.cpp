// SPDX-License-Identifier: MIT
/// Misuse: passing a named (lvalue) future to af::time::timeout. The timeout destroys the future
/// at the deadline, so it must own it; the message says to move it in instead of a "use of
/// deleted function" from inside timeout.hpp.
///
/// expect-error: af::time::timeout takes ownership of its future: pass a named future as std::move\(x\)
/// max-lines: 40
#include <chrono>

#include "af/core/task.hpp"
#include "af/time/timeout.hpp"

af::task<int> answer() { co_return 42; }

int main() {
    using namespace std::chrono_literals;
    af::task<int> t = answer();
#ifdef AF_COMPILE_FAIL
    auto r = af::time::timeout(10ms, t);
#else
    auto r = af::time::timeout(10ms, std::move(t));
#endif
    (void)r;
}

// SPDX-License-Identifier: MIT
/// Misuse: passing a named (lvalue) future to af::select. The select takes its children over
/// (it destroys the losers), so a named task must be moved in; the message says so instead of a
/// "use of deleted function" from inside select.hpp.
///
/// expect-error: af::select takes ownership of its futures: pass a named future as std::move\(x\)
/// max-lines: 40
#include "af/core/task.hpp"
#include "af/future/ready.hpp"
#include "af/future/select.hpp"

af::task<int> answer() { co_return 42; }

int main() {
    af::task<int> t = answer();
#ifdef AF_COMPILE_FAIL
    auto s = af::select(t, af::ready(1));
#else
    auto s = af::select(std::move(t), af::ready(1));
#endif
    (void)s;
}

// SPDX-License-Identifier: MIT
/// Misuse: a context built from a temporary waker. The context keeps a pointer to its waker, so
/// the waker would be destroyed at the end of the statement and every later poll would read a
/// dangling pointer (issue 11). The rvalue constructor is deleted, and its comment says why.
///
/// expect-error: deleted
/// expect-error: pointer to a waker destroyed
/// max-lines: 30
#include "af/core/context.hpp"

int main() {
#ifdef AF_COMPILE_FAIL
    af::context cx(af::waker::noop());
#else
    af::waker w = af::waker::noop();
    af::context cx(w);
#endif
    cx.waker().wake_by_ref();
}

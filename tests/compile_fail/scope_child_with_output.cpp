// SPDX-License-Identifier: MIT
/// Misuse: spawning a child with an output into an af::scope. Scope children report through
/// the locals they borrow; the message says so and shows how to discard an output.
///
/// expect-error: af::scope::spawn: a child must output void
/// max-lines: 40
#include "af/future/ready.hpp"
#include "af/future/scope.hpp"

int main() {
    af::scope s;
#ifdef AF_COMPILE_FAIL
    s.spawn(af::ready(1));
#else
    s.spawn(af::ready());
#endif
}

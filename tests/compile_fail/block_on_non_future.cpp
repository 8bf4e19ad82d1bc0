// SPDX-License-Identifier: MIT
/// Misuse: `af::block_on` on a plain value. block_on is constrained on `af::future`, so the
/// call must not resolve (instead of failing deep inside its body).
///
/// expect-error: no matching function for call to [^ ]*block_on
/// max-lines: 60
#include "af/executor/block_on.hpp"
#include "af/future/ready.hpp"

int main() {
#ifdef AF_COMPILE_FAIL
    return af::block_on(42);
#else
    return af::block_on(af::ready(0));
#endif
}

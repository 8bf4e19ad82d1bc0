// SPDX-License-Identifier: MIT
/// Misuse: af::shared of a future whose output cannot be copied. Every copy of a shared future
/// receives its own copy of the output, so the output must be copyable.
///
/// expect-error: af::shared
/// max-lines: 40
#include <memory>

#include "af/future/ready.hpp"
#include "af/future/shared.hpp"

int main() {
#ifdef AF_COMPILE_FAIL
    auto f = af::shared(af::ready(std::make_unique<int>(1)));
#else
    auto f = af::shared(af::ready(std::make_shared<int>(1)));
#endif
    (void)f;
}

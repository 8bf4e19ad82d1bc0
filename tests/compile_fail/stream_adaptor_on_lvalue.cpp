// SPDX-License-Identifier: MIT
/// Misuse: piping an lvalue stream into an af::streams adaptor. The adaptor would take the
/// stream over while the caller still holds it; the message says how to move or borrow it.
///
/// expect-error: af::streams adaptors take ownership of their input stream
/// max-lines: 40
#include <vector>

#include "af/stream.hpp"

int main() {
    auto s = af::streams::iter(std::vector<int>{1, 2, 3});
#ifdef AF_COMPILE_FAIL
    auto doubled = s | af::streams::map([](int x) { return 2 * x; });
#else
    auto doubled = std::move(s) | af::streams::map([](int x) { return 2 * x; });
#endif
    (void)doubled;
}

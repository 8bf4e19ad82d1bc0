// SPDX-License-Identifier: MIT
#include "af/core/coop.hpp"

namespace af::coop::detail {

// Out of line: one thread-local object for every translation unit, reached without a TLS
// wrapper in users' code.
int& budget() noexcept {
    thread_local int b = -1;
    return b;
}

int& scope_depth() noexcept {
    thread_local int d = 0;
    return d;
}

}  // namespace af::coop::detail

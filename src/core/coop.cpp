// SPDX-License-Identifier: MIT
#include "af/core/coop.hpp"

namespace af::coop::detail {

// Out of line: one thread-local object for every translation unit, reached without a TLS
// wrapper in users' code.
thread_state& state() noexcept {
    thread_local thread_state s;
    return s;
}

}  // namespace af::coop::detail

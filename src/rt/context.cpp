// SPDX-License-Identifier: MIT
#include "af/rt/detail/context.hpp"

namespace af::rt::detail {

// Out of line so that every translation unit shares one thread-local object (an inline
// thread_local in a header costs a TLS wrapper call in every user).
runtime_context& current() noexcept {
    thread_local runtime_context c;
    return c;
}

}  // namespace af::rt::detail

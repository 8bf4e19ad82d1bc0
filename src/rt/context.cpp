// SPDX-License-Identifier: MIT
#include "af/rt/detail/context.hpp"

#include <stdexcept>  // std::logic_error
#include <string>     // the error text

namespace af::rt::detail {

// Out of line so that every translation unit shares one thread-local object (an inline
// thread_local in a header costs a TLS wrapper call in every user).
runtime_context& current() noexcept {
    thread_local runtime_context c;
    return c;
}

const void*& innermost_enter_guard() noexcept {
    thread_local const void* g = nullptr;
    return g;
}

void throw_outside_runtime(const char* what) {
    // Both ways in: block_on/spawn for code that is not running async code at all, enter()
    // for a thread the runtime does not own (a C library's callback, a GUI thread).
    throw std::logic_error(std::string(what) +
                           " called outside an af runtime; call it from inside a runtime (block_on/spawn) or "
                           "enter one with handle.enter()");
}

}  // namespace af::rt::detail

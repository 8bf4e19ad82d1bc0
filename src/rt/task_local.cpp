// SPDX-License-Identifier: MIT
#include "af/rt/task_local.hpp"

namespace af::rt::detail {

// Out of line so that every translation unit shares one thread-local stack of scopes.
task_local_frame*& task_local_top() noexcept {
    thread_local task_local_frame* top = nullptr;
    return top;
}

}  // namespace af::rt::detail

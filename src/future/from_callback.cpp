// SPDX-License-Identifier: MIT
// The C trampoline of af::from_c_callback: the one function pointer every C API is handed. It
// runs on whatever thread the API calls back on; it only stores the result, wakes the
// awaiting task and drops the callback's reference to the shared state.
#include "af/future/from_callback.hpp"

namespace af::detail {

void c_callback_trampoline(void* user, int result) noexcept {
    auto* s = static_cast<callback_state<int>*>(user);
    s->complete(result);  // ignored when the future is gone or a call came already
    s->release();
}

}  // namespace af::detail

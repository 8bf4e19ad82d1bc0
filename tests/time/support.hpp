// SPDX-License-Identifier: MIT
#pragma once
// Shared by tests/time: a time driver installed on the calling thread, the way the runtime
// installs its own (so the tests do not need the runtime).
#include "af/rt/detail/context.hpp"
#include "af/time/detail/driver.hpp"

namespace af::time::test {

/// A driver, installed as the current thread's time driver for the object's lifetime; paused
/// unless told otherwise.
struct installed_driver {
    explicit installed_driver(bool paused = true) : scope({nullptr, &drv, nullptr}) {
        if (paused) drv.pause();
    }
    af::time::detail::time_driver drv;
    af::rt::detail::context_scope scope;
};

}  // namespace af::time::test

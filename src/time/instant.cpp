// SPDX-License-Identifier: MIT
#include "af/time/instant.hpp"

#include "af/rt/detail/context.hpp"
#include "af/time/detail/driver.hpp"

namespace af::time {

// Out of line so that instant.hpp does not pull in the driver and the runtime context.
instant instant::now() noexcept {
    if (auto* d = af::rt::detail::current().time) return d->now();
    return instant(clock::now());
}

}  // namespace af::time

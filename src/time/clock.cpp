// SPDX-License-Identifier: MIT
#include "af/time/clock.hpp"

#include <stdexcept>  // std::logic_error
#include <string>     // the error text

#include "af/rt/detail/context.hpp"
#include "af/time/detail/driver.hpp"

namespace af::time {

namespace {
detail::time_driver& driver_for(const char* what) {
    const af::rt::detail::runtime_context& rt = af::rt::detail::current();
    if (rt.time == nullptr) {
        if (rt.rt == nullptr) af::rt::detail::throw_outside_runtime(what);
        throw std::logic_error(std::string(what) + " needs a runtime with time enabled (builder().enable_time())");
    }
    return *rt.time;
}
}  // namespace

void pause() { driver_for("af::time::pause").pause(); }
void resume() { driver_for("af::time::resume").resume(); }

af::poll<void> advance_future::poll(context& cx) {
    if (advanced_) return {};
    driver_for("af::time::advance").advance(d_);
    advanced_ = true;
    cx.waker().wake_by_ref();
    return pending;
}

}  // namespace af::time

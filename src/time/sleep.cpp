// SPDX-License-Identifier: MIT
#include "af/time/sleep.hpp"

#include <cassert>    // moved only before the first poll
#include <stdexcept>  // std::logic_error

#include "af/core/coop.hpp"
#include "af/rt/detail/context.hpp"

namespace af::time {

using detail::timer_entry;

sleep_future::sleep_future(instant deadline) noexcept
    : driver_(af::rt::detail::current().time), deadline_(deadline) {}

sleep_future::sleep_future(sleep_future&& o) noexcept : driver_(o.driver_), deadline_(o.deadline_) {
    assert(o.entry_.state.load(std::memory_order_relaxed) == timer_entry::idle &&
           "af::time::sleep_future moved after its first poll");
}

sleep_future::~sleep_future() {
    if (driver_) driver_->cancel(entry_);
}

bool sleep_future::is_elapsed() const noexcept {
    // acquire: pairs with fire_due's release store.
    return entry_.state.load(std::memory_order_acquire) == timer_entry::fired;
}

af::poll<void> sleep_future::poll(context& cx) {
    if (!driver_) {
        const af::rt::detail::runtime_context& rt = af::rt::detail::current();
        driver_ = rt.time;
        if (!driver_) {
            if (rt.rt == nullptr) af::rt::detail::throw_outside_runtime("af::time::sleep");
            throw std::logic_error("af::time::sleep needs a runtime with time enabled (builder().enable_time())");
        }
    }
    // acquire: as in is_elapsed().
    switch (entry_.state.load(std::memory_order_acquire)) {
    case timer_entry::fired:
        break;
    case timer_entry::idle:
        if (driver_->now() < deadline_) {
            driver_->register_timer(entry_, deadline_, cx.waker());
            return pending;
        }
        // Already due: no timer needed. Mark it so is_elapsed() says so.
        entry_.state.store(timer_entry::fired, std::memory_order_relaxed);  // relaxed: not shared
        break;
    default:
        if (driver_->now() >= deadline_) {
            // Due, but the driver has not had its turn yet: do not wait for it.
            driver_->cancel(entry_);
            entry_.state.store(timer_entry::fired, std::memory_order_relaxed);  // relaxed: unregistered
            break;
        }
        if (driver_->update_waker(entry_, cx.waker())) return pending;
        break;  // fired between the load and the lock
    }
    // Spends cooperative budget: a loop over already-elapsed sleeps must still yield.
    if (!af::coop::poll_proceed(cx)) return pending;
    return {};
}

void sleep_future::reset(instant deadline) {
    deadline_ = deadline;
    if (driver_) {
        driver_->reset_timer(entry_, deadline);
    } else {
        entry_.state.store(timer_entry::idle, std::memory_order_relaxed);  // relaxed: never shared
    }
}

}  // namespace af::time

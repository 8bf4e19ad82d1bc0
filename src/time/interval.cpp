// SPDX-License-Identifier: MIT
#include "af/time/interval.hpp"

#include <stdexcept>  // std::invalid_argument

namespace af::time {

interval_timer::interval_timer(instant start, std::chrono::nanoseconds period) : sleep_(start), period_(period) {
    if (period <= std::chrono::nanoseconds::zero()) throw std::invalid_argument("af::time::interval needs a positive period");
}

af::poll<instant> interval_timer::poll_tick(context& cx) {
    if (sleep_.poll(cx).is_pending()) return pending;
    const instant due = sleep_.deadline();
    const instant now = instant::now();
    instant next = due + period_;
    if (now >= next) {  // at least one whole period late: a tick was missed
        switch (behavior_) {
        case missed_tick_behavior::burst:
            break;
        case missed_tick_behavior::delay:
            next = now + period_;
            break;
        case missed_tick_behavior::skip:
            next = due + period_ * ((now - due) / period_ + 1);
            break;
        }
    }
    sleep_.reset(next);
    return due;
}

af::poll<std::optional<instant>> interval_timer::poll_next(context& cx) {
    auto p = poll_tick(cx);
    if (p.is_pending()) return pending;
    return af::poll<std::optional<instant>>(std::in_place, std::in_place, p.value());
}

void interval_timer::reset() { sleep_.reset(instant::now() + period_); }

}  // namespace af::time

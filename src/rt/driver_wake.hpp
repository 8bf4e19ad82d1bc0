// SPDX-License-Identifier: MIT
#pragma once
// The state word in front of a driver's sleep (src/rt/runtime.cpp, ADR 0026), apart from the
// sleep itself so that the model checker can run it (tests/model/driver_wake_model.cpp).
//
// A driver sleeps in the kernel (epoll_wait, io_uring_enter, or a condition variable). Waking
// it through the kernel costs a write to an eventfd, and the sleeper a read of it: ~4 us per wake
// on the machines of bench/compare. Most wakes come while the thread is running, not sleeping
// (a task of the block_on thread wakes the main future, a timer registered by a running task
// is earlier than the last one), and those need only a flag. So the word says:
//   idle:     the driving thread runs (or nobody drives);
//   parked:   the driving thread announced it will sleep, or sleeps;
//   notified: a wake came since the driving thread last looked.
// notify() (any thread) swaps in `notified` and asks for the kernel wake only when it replaced
// `parked`. begin_park() (the driving thread, after it found no work) moves idle -> parked; if
// the word was `notified` it consumes it and does not sleep. end_park() returns to idle after
// the sleep. notify() and begin_park() are read-modify-writes of one word, so they are ordered:
// either begin_park() reads the notification (and does not sleep), or notify() reads `parked`
// (and the kernel wake, which is persistent until the sleeper reads it, ends the sleep). No
// notification is lost. A kernel wake that arrives after the sleep ended for another reason (a
// timer, an I/O event) ends the next sleep early: one extra turn of the loop, no harm.
//
// The word carries no data: whoever notifies has published its work through its own
// synchronisation (the injection queue's lock, the main future's release flag), which the
// driving thread re-checks after a consumed notification or a sleep.
#include <cstdint>  // std::uint32_t

#include "af/detail/sync.hpp"

namespace af::rt::detail {

namespace sync = af::detail::sync;

class driver_wake {
public:
    /// Any thread. True when the driving thread is parked (or about to sleep) and must be woken
    /// through the kernel by the caller.
    bool notify() noexcept {
        // Acq_rel: release so that a consumer of the notification may rely on it; acquire, as
        // the read-modify-write that sees `parked` orders the kernel wake after the announce.
        return state_.exchange(notified, std::memory_order_acq_rel) == parked;
    }
    /// The driving thread, having found no work: true when it may sleep (the word now says
    /// parked, and a notify() from here on wakes it through the kernel); false when a
    /// notification came since the last look (consumed: look for work again).
    bool begin_park() noexcept {
#ifdef AF_MODEL_PLANT_DRIVER_WAKE
        // Planted defect (tests/model/driver_wake_model.cpp): a look and a store, not one
        // read-modify-write; a notify() between the two is overwritten and slept through.
        if (state_.load(std::memory_order_acquire) == idle) {
            state_.store(parked, std::memory_order_relaxed);
            return true;
        }
        state_.store(idle, std::memory_order_relaxed);
        return false;
#else
        std::uint32_t s = idle;
        // Acquire on both outcomes: pairs with notify()'s release.
        if (state_.compare_exchange_strong(s, parked, std::memory_order_acquire, std::memory_order_acquire)) {
            return true;
        }
        // Only notify() writes while we do not sleep, and it writes `notified`.
        state_.exchange(idle, std::memory_order_acquire);  // Acquire: as above
        return false;
#endif
    }
    /// The driving thread, after its sleep (for a kernel wake, a timer, an I/O event or
    /// nothing): back to idle, consuming a notification that came during the sleep.
    void end_park() noexcept {
        state_.exchange(idle, std::memory_order_acquire);  // Acquire: pairs with notify()'s release
    }

private:
    static constexpr std::uint32_t idle = 0;
    static constexpr std::uint32_t parked = 1;
    static constexpr std::uint32_t notified = 2;
    sync::atomic<std::uint32_t> state_{idle};
};

}  // namespace af::rt::detail

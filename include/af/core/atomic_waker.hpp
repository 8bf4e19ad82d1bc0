// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::atomic_waker`: one waker slot that a consumer registers into and any thread wakes.
///
/// The building block of every cross-thread primitive (channels, join handles, abort handles):
/// the task that waits calls `register_waker(cx.waker())` before checking its condition; a
/// producer changes the condition then calls `wake()`. A wake that races a registration is never
/// lost: the registering side sees it and wakes the new waker itself.
///
/// Thread safety: `register_waker` from one thread at a time (the waiting task); `wake` and
/// `take` from any number of threads. Lock-free.
#include <optional>  // take()

#include "af/core/waker.hpp"
#include "af/detail/sync.hpp"  // the state word (model-checked: tests/model/atomic_waker_model.cpp)

namespace af {

class atomic_waker {
public:
    atomic_waker() noexcept = default;
    atomic_waker(const atomic_waker&) = delete;
    atomic_waker& operator=(const atomic_waker&) = delete;

    /// Stores a clone of `w` (skipped when the stored waker `will_wake` the same task).
    void register_waker(const waker& w) {
        unsigned expected = waiting;
        // Acquire: see the slot as the last waker-taker left it.
        if (state_.compare_exchange_strong(expected, registering, std::memory_order_acquire)) {
            slot_ = w;  // a no-op when the stored waker already wakes the same task
            expected = registering;
            // AcqRel: publish the slot to a later take(); see a wake that raced us.
            if (!state_.compare_exchange_strong(expected, waiting, std::memory_order_acq_rel)) {
                // A wake arrived while we registered (state is registering|waking): wake now.
                waker w2 = std::move(slot_);  // leaves the no-op waker behind
                // An AcqRel swap, not a release store (futures-rs does the same). The failed CAS
                // acquired the first wake's fetch_or, but a second wake() may have run its
                // fetch_or(waking) after that CAS: it changes no bit, yet its release is what
                // orders that waker's condition (say, a queued value) before its wake. That
                // waker saw `registering` and wakes nobody, so our wake below must carry its
                // writes to the task's re-poll. A store reads nothing and ends the fetch_ors'
                // release sequence; the swap reads the newest value, so it acquires every
                // fetch_or before it, and its release hands the emptied slot to the next
                // registration. Found by the weak-memory model (issue 11, defect 2).
#ifdef AF_MODEL_PLANT_DEFECT_2
                state_.store(waiting, std::memory_order_release);  // the old code, for the model test
#else
                state_.exchange(waiting, std::memory_order_acq_rel);
#endif
                std::move(w2).wake();
            }
            return;
        }
        if (expected == waking) {
            // A wake is in progress: the task must be polled again.
            w.wake_by_ref();
        }
        // Otherwise another registration is in progress: a misuse (one registrant at a time).
    }

    /// Wakes the registered waker, if any, and empties the slot.
    void wake() {
        if (std::optional<waker> w = take()) std::move(*w).wake();
    }

    /// Removes and returns the registered waker, if any.
    std::optional<waker> take() {
        // AcqRel: acquire the slot written by register_waker.
        if (state_.fetch_or(waking, std::memory_order_acq_rel) == waiting) {
            waker w = std::move(slot_);  // leaves the no-op waker behind
            state_.fetch_and(~waking, std::memory_order_release);
            if (w.as_raw().vtable == &detail::noop_waker_vtable) return std::nullopt;
            return w;
        }
        return std::nullopt;
    }

private:
    static constexpr unsigned waiting = 0;
    static constexpr unsigned registering = 1;
    static constexpr unsigned waking = 2;

    detail::sync::atomic<unsigned> state_{waiting};
    // Empty is the no-op waker rather than a std::optional: 24 bytes instead of 32, which keeps
    // a spawned task's header (it has one) within its allocation size class.
    waker slot_ = waker::noop();
};

}  // namespace af

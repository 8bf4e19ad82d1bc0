// SPDX-License-Identifier: MIT
#pragma once
// Idle accounting and parking of the multi_thread scheduler's workers (src/rt/multi_thread.cpp),
// in a header of their own so that the model checker can run them alone
// (tests/model/idle_model.cpp, tests/model/parker_model.cpp). Every atomic, lock and condition
// variable goes through af::detail::sync.
//
// The handshake between a thread that adds work and a worker that parks:
//   notifier: publish the work (queue tail, injection queue), then worker_to_notify(): read the
//             state with a read-modify-write; if nobody searches and someone sleeps, wake one.
//   parker:   to_parked(): count itself out with a read-modify-write; if it was the last
//             searcher, look at every queue once more (a "last look") and notify if it sees work.
// Every change of `state_` is a read-modify-write, so all of them sit in one modification order
// and each one reads from the one before it. The notifier's RMW and the parker's RMW are
// therefore ordered one way or the other:
//   - notifier first: the parker's RMW reads from the notifier's release sequence (every later
//     RMW continues it) and acquires it, so publishing the work happens before the last look,
//     whose relaxed loads then see the work (or a later state: someone took it);
//   - parker first: the notifier's RMW reads the state with the parker counted out and wakes a
//     sleeper.
// The same holds for a searcher that stops searching (from_searching) and then looks for more.
// A seq_cst fence followed by a plain load (the code before issue 11) gives neither: the load
// may read the state from before the parker's RMW while the parker's relaxed last look still
// misses the push (store buffering, allowed by C++ and by ARM), and then every worker parks
// with work queued. AF_MODEL_PLANT_DEFECT_3 puts that variant back for the model test only.
//
// Parking (issue 21): one parked worker sleeps on the driver (timers and reactor), the others on
// their condition variables, enlisted in driver_slot. The driver's sleeper hands the driver to
// an enlisted one when it leaves to run tasks, so that a worker blocked in a task never leaves
// the other workers' sockets and timers without a driver.
#include <cstddef>  // std::size_t, std::ptrdiff_t
#include <cstdint>  // std::uint32_t
#include <mutex>    // std::lock_guard, std::unique_lock
#include <utility>  // std::exchange
#include <vector>   // the sleeper and driver-waiter lists

#include "af/detail/sync_condition_variable.hpp"

namespace af::rt::detail {

namespace sync = af::detail::sync;

/// Unparked and searching workers in one word (unparked << 16 | searching), plus the list of
/// sleepers under a mutex. A worker always tries to search before it parks, so when nobody
/// searches, some parking worker is the last searcher and takes the last look.
class idle {
public:
    explicit idle(std::size_t n) : n_(static_cast<std::uint32_t>(n)), state_(static_cast<std::uint32_t>(n) << 16) {
        sleepers_.reserve(n);
    }

    bool to_searching() noexcept {
        // A stale count only lets one searcher too many or too few start; the RMW below (or the
        // parking RMW of a worker that gave up) is what the handshake relies on.
        std::uint32_t s = state_.load(std::memory_order_seq_cst);
        if (2 * searching(s) >= n_) return false;
        state_.fetch_add(1, std::memory_order_seq_cst);
        return true;
    }
    /// True when the caller was the last searcher (it must then look for more work).
    bool from_searching() noexcept { return searching(state_.fetch_sub(1, std::memory_order_seq_cst)) == 1; }

    /// True when the caller was the last searcher (it must then look for work once more, after
    /// this RMW: see the file comment).
    bool to_parked(std::size_t id, bool was_searching) {
        std::lock_guard lk(m_);
        std::uint32_t dec = (1u << 16) + (was_searching ? 1u : 0u);
        std::uint32_t prev = state_.fetch_sub(dec, std::memory_order_seq_cst);
        sleepers_.push_back(id);
        return was_searching && searching(prev) == 1;
    }

    /// Called after publishing work. A sleeper to wake for it, already counted as unparked and
    /// searching; or -1.
    std::ptrdiff_t worker_to_notify() {
#ifdef AF_MODEL_PLANT_DEFECT_3
        // The old handshake (issue 11, defect 3), for the model test only: a fence and a load
        // do not order the load against a parker's RMW followed by relaxed loads.
        sync::atomic_thread_fence(std::memory_order_seq_cst);
        std::uint32_t s = state_.load(std::memory_order_seq_cst);
#else
        // An RMW that changes nothing: it reads the latest state in the modification order and
        // meets the parker's RMW (file comment). SeqCst as tokio's notify_should_wakeup;
        // acq_rel would be enough for the pairing.
        std::uint32_t s = state_.fetch_add(0, std::memory_order_seq_cst);
#endif
        if (!should_notify(s)) return -1;
        std::lock_guard lk(m_);
        // Sequenced after the read above, so never older than it: a searcher counted here
        // started after it and acquires the work, as a parker would.
        if (!should_notify(state_.load(std::memory_order_seq_cst)) || sleepers_.empty()) return -1;
        state_.fetch_add((1u << 16) + 1u, std::memory_order_seq_cst);
        std::size_t id = sleepers_.back();
        sleepers_.pop_back();
        return static_cast<std::ptrdiff_t>(id);
    }

    /// After a park returned: true if the worker was woken through worker_to_notify (it is
    /// then a searcher); otherwise it takes itself off the sleeper list as a non-searcher.
    bool from_parked(std::size_t id) {
        std::lock_guard lk(m_);
        for (std::size_t i = 0; i < sleepers_.size(); ++i) {
            if (sleepers_[i] == id) {
                sleepers_[i] = sleepers_.back();
                sleepers_.pop_back();
                state_.fetch_add(1u << 16, std::memory_order_seq_cst);
                return false;
            }
        }
        return true;
    }

    std::uint32_t unparked() const noexcept { return state_.load(std::memory_order_seq_cst) >> 16; }

private:
    static std::uint32_t searching(std::uint32_t s) noexcept { return s & 0xffffu; }
    bool should_notify(std::uint32_t s) const noexcept { return searching(s) == 0 && (s >> 16) < n_; }

    std::uint32_t n_;
    sync::atomic<std::uint32_t> state_;
    sync::mutex m_;
    std::vector<std::size_t> sleepers_;
};

class worker_parker;

/// Who drives the driver (timers and reactor) among the parked workers (issue 21). At most one
/// worker parks on the driver; the others sleep on their condition variables and are *enlisted*
/// here. A worker that leaves the driver to run tasks hands it to an enlisted one, which wakes
/// and parks on the driver in its place: a worker that runs tasks, and so may block in user
/// code, never keeps the driver role. Before issue 21 the driver was a try-locked mutex: a
/// worker that found it held slept on its condition variable for good, and when the holder left
/// to run a task that blocked, nobody polled I/O or fired timers until that task returned.
/// Lock order: this mutex, then a parker's.
class driver_slot {
public:
    /// Takes the driver if nobody drives it (true); otherwise enlists `p` to be handed it.
    bool acquire_or_enlist(worker_parker& p) {
        std::lock_guard lk(m_);
        if (!held_) {
            held_ = true;
            return true;
        }
        waiters_.push_back(&p);
        return false;
    }
    /// Takes the driver if nobody drives it, without enlisting (the model tests use it to stand
    /// for a worker parked on the driver).
    bool try_acquire() {
        std::lock_guard lk(m_);
        return !std::exchange(held_, true);
    }
    /// Gives the driver up and hands it to an enlisted parker, if any.
    void release() {
        std::lock_guard lk(m_);
        held_ = false;
        hand_off_locked();
    }
    /// For a parker that was handed the driver but leaves for work instead: passes the hand-off
    /// on, so that the driver does not stay free while others sleep.
    void pass_on() {
        std::lock_guard lk(m_);
        if (!held_) hand_off_locked();
    }
    /// Takes `p` off the list. False when it is not there: it was handed the driver (the hand-off
    /// completed under this lock, so its flag is already set).
    bool delist(worker_parker& p) {
        std::lock_guard lk(m_);
        for (std::size_t i = 0; i < waiters_.size(); ++i) {
            if (waiters_[i] == &p) {
                waiters_[i] = waiters_.back();
                waiters_.pop_back();
                return true;
            }
        }
        return false;
    }

private:
    inline void hand_off_locked();

    sync::mutex m_;
    bool held_ = false;
    std::vector<worker_parker*> waiters_;
};

/// Parks one worker: on the shared driver when nobody drives it, otherwise on its own condition
/// variable, enlisted in the driver_slot to take the driver over when its holder leaves.
/// `state_` tells unpark() where to knock. `Driver` is the runtime's driver (a fake one in the
/// model tests): park(bool may_auto_advance), unpark().
class worker_parker {
public:
    template <class Driver>
    void park(driver_slot& slot, Driver& drv, bool may_auto_advance) {
        {
            std::lock_guard lk(m_);
            if (state_ == notified) {
                state_ = empty;
                return;
            }
        }
        for (;;) {
            if (slot.acquire_or_enlist(*this)) {
                bool skip;
                {
                    std::lock_guard lk(m_);
                    skip = state_ == notified;
                    state_ = skip ? empty : parked_driver;
                }
                if (!skip) drv.park(may_auto_advance);
                // Released outside m_ (lock order) and before running anything: see driver_slot.
                slot.release();
                std::lock_guard lk(m_);
                state_ = empty;  // woken by unpark, a timer or a spurious wake: the caller re-checks
                return;
            }
            std::unique_lock lk(m_);
            // Re-check under this lock: an unpark or a hand-off since the checks above must not
            // be overwritten or slept through.
            if (state_ != notified && !handed_) {
                state_ = parked_cv;
                cv_.wait(lk, [&] { return state_ == notified || handed_; });
            }
            bool handed = std::exchange(handed_, false);
            if (state_ == notified) {
                state_ = empty;
                lk.unlock();
                // Leaving for work: off the list, and a hand-off meant for this worker goes on
                // to another sleeper.
                if (handed || !slot.delist(*this)) {
                    if (!handed) {
                        std::lock_guard lk2(m_);
                        handed_ = false;  // set by the hand-off that took it off the list
                    }
                    slot.pass_on();
                }
                return;
            }
            state_ = empty;
            // Handed the driver (already off the list): go and take it.
        }
    }

    template <class Driver>
    void unpark(Driver& drv) noexcept {
        std::unique_lock lk(m_);
        int prev = state_;
        state_ = notified;
        lk.unlock();
        if (prev == parked_driver) {
            drv.unpark();
        } else if (prev == parked_cv) {
            cv_.notify_one();
        }
    }

private:
    friend class driver_slot;
    void hand_driver() {
        {
            std::lock_guard lk(m_);
            handed_ = true;
        }
        cv_.notify_one();
    }

    enum : int { empty, parked_cv, parked_driver, notified };
    sync::mutex m_;
    sync::condition_variable cv_;
    int state_ = empty;
    bool handed_ = false;  // the driver was handed to this parker, which must come and take it
};

inline void driver_slot::hand_off_locked() {
    if (waiters_.empty()) return;
    worker_parker* p = waiters_.back();
    waiters_.pop_back();
    p->hand_driver();
}

}  // namespace af::rt::detail

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::sync::notify`: wake one waiting task, or all of them, without passing a value.
///
///     af::sync::notify ready;
///     // consumer                          // producer
///     co_await ready.notified();           ready.notify_one();
///
/// `notify_one()` wakes the longest waiter; when nobody waits it stores a single permit that
/// the next `notified()` consumes at once (several calls still store one permit), so a
/// notification sent just before the consumer starts waiting is not lost.
/// `notify_waiters()` wakes every waiter, including `notified()` futures that were created
/// before the call but not yet polled; it stores no permit.
///
/// Choosing: `notify` carries no data and no count; use a `semaphore` to count signals, a
/// channel (`af::channel`) to pass values, `barrier` to wait for a group.
///
/// Resumes on: the notifying call wakes the waiter's waker; the waiter resumes on its own
/// executor.
///
/// Thread safety: all members may be called from any thread at once; a `notified()` future
/// may move between threads. Destroy the `notify` only when nobody waits on it.
#include <atomic>   // the notify_waiters generation, read without the lock
#include <cassert>  // misuse checks
#include <cstdint>  // std::uint64_t
#include <mutex>    // the short lock guarding the queue
#include <utility>  // std::move

#include "af/core/future.hpp"
#include "af/sync/detail/waiter_list.hpp"

namespace af::sync {

class notify {
    enum class woken_by : unsigned char { none, one, all };
    struct waiter : detail::list_hook<waiter> {
        woken_by by = woken_by::none;
        af::waker waker = af::waker::noop();
    };

public:
    class notified_future;

    notify() noexcept = default;
    notify(const notify&) = delete;
    notify& operator=(const notify&) = delete;
    ~notify() { assert(waiters_.empty() && "af::sync::notify destroyed while tasks wait on it"); }

    /// A future that completes on the next notification (see the file comment for which).
    /// Cancellation: dropping it after `notify_one()` chose it but before it completed passes
    /// that notification on to the next waiter (or stores the permit): none is lost. A
    /// `notify_waiters()` wake-up is not passed on.
    /// Thread safety: any thread.
    inline notified_future notified() noexcept;

    /// Wakes the longest waiter, or stores the permit if nobody waits.
    void notify_one() {
        detail::wake_list wl;
        std::lock_guard lk(m_);
        notify_one_locked(wl);
    }

    /// Wakes every current waiter (and every `notified()` future created before this call).
    void notify_waiters() {
        detail::wake_list wl;
        std::unique_lock lk(m_);
        // Relaxed: written only under m_, and read under m_ for the decision; the unlocked read
        // in notified() only needs coherence (see there).
        generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        while (waiter* w = waiters_.pop_front()) {
            w->by = woken_by::all;
            wl.push(std::move(w->waker));
            if (wl.full()) {
                lk.unlock();
                wl.wake_all();
                lk.lock();
            }
        }
    }

private:
    void notify_one_locked(detail::wake_list& wl) noexcept {
        if (waiter* w = waiters_.pop_front()) {
            w->by = woken_by::one;
            wl.push(std::move(w->waker));
        } else {
            permit_ = true;
        }
    }

    std::mutex m_;
    bool permit_ = false;
    std::atomic<std::uint64_t> generation_{0};
    detail::intrusive_list<waiter> waiters_;
};

class [[nodiscard("a notified() future does nothing until it is awaited or polled")]] notify::notified_future {
public:
    using output = void;

    /// Moves are allowed only before the first poll (the node may be linked afterwards).
    notified_future(notified_future&& o) noexcept : n_(o.n_), generation_(o.generation_), phase_(o.phase_) {
        assert(o.phase_ == phase::start && "af::sync::notify::notified_future moved after being polled");
    }
    notified_future& operator=(notified_future&&) = delete;

    ~notified_future() {
        if (phase_ != phase::waiting) return;
        detail::wake_list wl;
        std::lock_guard lk(n_->m_);
        if (node_.linked_) {
            n_->waiters_.remove(&node_);
        } else if (node_.by == woken_by::one) {
            n_->notify_one_locked(wl);  // chosen but never completed: hand the wake-up on
        }
    }

    af::poll<void> poll(context& cx) {
        assert(phase_ != phase::done && "af::sync::notify::notified_future polled after completion");
        std::lock_guard lk(n_->m_);
        if (phase_ == phase::start) {
            // Relaxed: under m_, which orders it against notify_waiters' store.
            if (n_->generation_.load(std::memory_order_relaxed) != generation_ || n_->permit_) {
                if (n_->generation_.load(std::memory_order_relaxed) == generation_) n_->permit_ = false;
                phase_ = phase::done;
                return {};
            }
            node_.waker = cx.waker();
            n_->waiters_.push_back(&node_);
            phase_ = phase::waiting;
            return pending;
        }
        if (node_.linked_) {
            node_.waker = cx.waker();
            return pending;
        }
        phase_ = phase::done;
        return {};
    }

private:
    friend class notify;
    // Relaxed: a notify_waiters() that happens-before this construction is seen by coherence;
    // one that does not may or may not count for this future, and both outcomes are allowed.
    explicit notified_future(notify& n) noexcept : n_(&n), generation_(n.generation_.load(std::memory_order_relaxed)) {}

    enum class phase : unsigned char { start, waiting, done };
    notify* n_;
    std::uint64_t generation_;
    phase phase_ = phase::start;
    waiter node_;
};

inline notify::notified_future notify::notified() noexcept { return notified_future(*this); }

}  // namespace af::sync

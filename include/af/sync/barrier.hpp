// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::sync::barrier`: `n` tasks wait until all `n` have arrived, then all go on together.
///
///     af::sync::barrier b(3);
///     af::task<> phase_worker() {
///         co_await compute_part();
///         if (co_await b.wait()) merge_parts();   // exactly one of the three is the leader
///     }
///
/// `wait()` completes with `true` for exactly one task of each round (the leader: the one
/// whose arrival completed the round) and `false` for the others. The barrier is reusable:
/// the next `n` arrivals form the next round. `barrier(0)` behaves as `barrier(1)`.
///
/// Choosing: for "wake everyone once" without a count, use `notify::notify_waiters`; to wait
/// for spawned tasks' results, await their join handles (`af::join_all`).
///
/// Resumes on: the arriving leader wakes the others' wakers; each resumes on its own executor.
///
/// Thread safety: `wait` may be called from any thread; its future may move between threads.
/// Destroy the barrier only when nobody waits on it.
#include <cassert>  // misuse checks
#include <cstddef>  // std::size_t
#include <mutex>    // the short lock guarding the count and the queue
#include <utility>  // std::move

#include "af/core/future.hpp"
#include "af/sync/detail/waiter_list.hpp"

namespace af::sync {

class barrier {
    struct waiter : detail::list_hook<waiter> {
        af::waker waker = af::waker::noop();
    };

public:
    class wait_future;

    explicit barrier(std::size_t n) noexcept : n_(n == 0 ? 1 : n) {}
    barrier(const barrier&) = delete;
    barrier& operator=(const barrier&) = delete;
    ~barrier() { assert(waiters_.empty() && "af::sync::barrier destroyed while tasks wait on it"); }

    /// Arrives at the barrier (on first poll) and completes when the round is full; the output
    /// says whether this task is the round's leader.
    /// Cancellation: dropping the future after it arrived but before the round completed takes
    /// the arrival back (the round still needs `n` live tasks). Once the round has completed
    /// the future's arrival counted, even if it is dropped before it is polled again.
    /// Thread safety: any thread.
    inline wait_future wait() noexcept;

    std::size_t size() const noexcept { return n_; }

private:
    std::mutex m_;
    std::size_t n_;
    std::size_t arrived_ = 0;
    detail::intrusive_list<waiter> waiters_;
};

class [[nodiscard("a barrier wait does nothing until it is awaited or polled")]] barrier::wait_future {
public:
    using output = bool;

    /// Moves are allowed only before the first poll (the node may be linked afterwards).
    wait_future(wait_future&& o) noexcept : b_(o.b_), phase_(o.phase_) {
        assert(o.phase_ == phase::start && "af::sync::barrier::wait_future moved after being polled");
    }
    wait_future& operator=(wait_future&&) = delete;

    ~wait_future() {
        if (phase_ != phase::waiting) return;
        std::lock_guard lk(b_->m_);
        if (node_.linked_) {
            b_->waiters_.remove(&node_);
            --b_->arrived_;
        }
    }

    af::poll<bool> poll(context& cx) {
        assert(phase_ != phase::done && "af::sync::barrier::wait_future polled after completion");
        detail::wake_list wl;
        std::unique_lock lk(b_->m_);
        if (phase_ == phase::start) {
            if (++b_->arrived_ < b_->n_) {
                node_.waker = cx.waker();
                b_->waiters_.push_back(&node_);
                phase_ = phase::waiting;
                return pending;
            }
            b_->arrived_ = 0;
            while (waiter* w = b_->waiters_.pop_front()) {
                wl.push(std::move(w->waker));
                if (wl.full()) {
                    lk.unlock();
                    wl.wake_all();
                    lk.lock();
                }
            }
            phase_ = phase::done;
            lk.unlock();
            return true;
        }
        if (node_.linked_) {
            node_.waker = cx.waker();
            return pending;
        }
        phase_ = phase::done;
        return false;
    }

private:
    friend class barrier;
    explicit wait_future(barrier& b) noexcept : b_(&b) {}

    enum class phase : unsigned char { start, waiting, done };
    barrier* b_;
    phase phase_ = phase::start;
    waiter node_;
};

inline barrier::wait_future barrier::wait() noexcept { return wait_future(*this); }

}  // namespace af::sync

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The capacity of an `af::channel::mpsc` channel: an atomic count of free slots (permits) with
/// a FIFO line of waiting senders behind a mutex that only the slow paths take. Internal.
/// Design note: docs/design/0009-lock-free-mpsc.md.
///
/// One word holds `free_slots * 4 | waiters_bit | closed_bit`:
/// - A sender takes a slot with a CAS that succeeds only while the channel is open, nobody
///   waits (`waiters_bit` clear) and a slot is free. So a newcomer never takes a slot past a
///   waiting sender: `try_send` then reports `full`, `send` joins the line.
/// - `waiters_bit` is set and cleared only under the mutex, and mirrors "the line is non-empty".
///   A sender joins the line only after setting it by a CAS from a word with no free slot, so a
///   concurrent release either made that CAS fail (the sender re-reads and takes the slot) or saw
///   the bit.
/// - Releasing adds to the count with one `fetch_add`; if the bit was set, the releaser takes
///   the mutex and hands free slots to the head of the line (marking it `granted`) before anyone
///   else can take them: fast-path takers refuse while the bit is set.
/// - A waiting future that is destroyed leaves the line; if a slot was already granted to it,
///   it releases that slot, which goes on to the next waiter.
/// - `close` sets `closed_bit` and empties the line (wakers woken after the mutex).
#include <cstddef>   // std::size_t
#include <mutex>     // std::lock_guard
#include <optional>  // wakers
#include <utility>   // std::move
#include <vector>    // wakers beyond the inline two

#include "af/channel/detail/waiter_list.hpp"
#include "af/core/context.hpp"
#include "af/core/poll.hpp"
#include "af/core/waker.hpp"
#include "af/detail/sync.hpp"  // the count and the line's mutex (model-checked: tests/model/mpsc_capacity_model.cpp)

namespace af::detail {

// Wakers collected under the mutex and woken after it. Nearly always zero or one: two inline.
class mpsc_wake_list {
public:
    void push_back(waker&& w) {
        if (n_ < inline_cap) inline_[n_++].emplace(std::move(w));
        else more_.push_back(std::move(w));
    }
    void wake_all() {
        for (std::size_t i = 0; i < n_; ++i) {
            std::move(*inline_[i]).wake();
            inline_[i].reset();
        }
        n_ = 0;
        for (waker& w : more_) std::move(w).wake();
        more_.clear();
    }

private:
    static constexpr std::size_t inline_cap = 2;
    std::optional<waker> inline_[inline_cap];
    std::size_t n_ = 0;
    std::vector<waker> more_;
};

class mpsc_capacity {
public:
    /// The largest capacity (an unbounded channel uses it: its senders never wait in practice).
    static constexpr std::size_t max_slots = std::size_t(-1) >> 3;

    enum class take_result : unsigned char { taken, full, closed };

    explicit mpsc_capacity(std::size_t cap) noexcept : cap_(cap), word_(cap * unit) {}

    /// Takes a free slot if the channel is open, nobody waits and one is free.
    take_result try_take() noexcept {
        // Relaxed: the count carries no data (values travel through the queue's ready bits).
        std::size_t v = word_.load(std::memory_order_relaxed);
        for (;;) {
            if (v & closed_bit) return take_result::closed;
            if ((v & waiters_bit) || v < unit) return take_result::full;
            if (word_.compare_exchange_weak(v, v - unit, std::memory_order_relaxed)) return take_result::taken;
        }
    }

    /// The slow path of a waiting sender with node `n` (`waiting`: it joined the line before).
    /// Ready(true): the caller holds a slot. Ready(false): closed. Pending: in line, waker kept.
    af::poll<bool> poll_take(channel_waiter& n, bool& waiting, context& cx) {
        std::lock_guard lk(m_);
        if (n.granted) {
            n.granted = false;
            waiting = false;
            return true;
        }
        if (n.linked) {
            n.set_waker(cx.waker());
            return pending;
        }
        if (waiting) {  // taken out of the line without a slot: by close
            waiting = false;
            return false;
        }
        std::size_t v = word_.load(std::memory_order_relaxed);  // relaxed: see try_take
        for (;;) {
            if (v & closed_bit) return false;
            if (v & waiters_bit) break;  // free slots, if any, belong to the line's head
            if (v >= unit) {
                if (word_.compare_exchange_weak(v, v - unit, std::memory_order_relaxed)) return true;
            } else if (word_.compare_exchange_weak(v, v | waiters_bit, std::memory_order_relaxed)) {
                break;
            }
        }
        waiters_.push_back(n);
        n.set_waker(cx.waker());
        waiting = true;
        return pending;
    }

    /// A waiting sender's node is going away: leaves the line, and gives back a slot granted to
    /// it but not used (true: the caller must `release(1)` after this returns).
    bool cancel(channel_waiter& n) {
        std::lock_guard lk(m_);
        if (n.linked) {
            waiters_.remove(n);
            if (waiters_.empty()) word_.fetch_and(~waiters_bit, std::memory_order_relaxed);  // relaxed: under m_
            return false;
        }
        bool granted = n.granted;
        n.granted = false;
        return granted;
    }

    /// Gives back `k` slots; they go to waiting senders first. Returns true if the channel is
    /// closed (the caller may owe the receiver a wake-up: end of stream may have come).
    bool release(std::size_t k) {
        // Relaxed: a count only; the mutex orders the handoff to waiters.
        std::size_t prev = word_.fetch_add(k * unit, std::memory_order_relaxed);
        if (prev & waiters_bit) serve_line();
        return (prev & closed_bit) != 0;
    }

    /// Fails every current and future take; empties the line.
    void close() {
        word_.fetch_or(closed_bit, std::memory_order_relaxed);  // relaxed: takers see it in their CAS
        mpsc_wake_list wake;
        {
            std::lock_guard lk(m_);
            while (!waiters_.empty()) {
                if (std::optional<waker> w = waiters_.pop_front(false)) wake.push_back(std::move(*w));
            }
            word_.fetch_and(~waiters_bit, std::memory_order_relaxed);  // relaxed: under m_
        }
        wake.wake_all();
    }

    bool is_closed() const noexcept { return (word_.load(std::memory_order_relaxed) & closed_bit) != 0; }

    /// Free slots now (a snapshot: other threads may take or give back slots at once). Relaxed:
    /// a count only, as in try_take.
    std::size_t free() const noexcept { return word_.load(std::memory_order_relaxed) / unit; }

    /// The capacity the channel was made with.
    std::size_t max() const noexcept { return cap_; }

    /// Every slot is free: no value queued, no slot held by a permit or granted to a waiter.
    /// Acquire: a release seen here happened after the holder's last use of its slot.
    bool all_free() const noexcept { return (word_.load(std::memory_order_acquire) >> 2) == cap_; }

private:
    static constexpr std::size_t closed_bit = 1;
    static constexpr std::size_t waiters_bit = 2;
    static constexpr std::size_t unit = 4;

    // A release saw waiters_bit: hand free slots to the head of the line while both last.
    void serve_line() {
        mpsc_wake_list wake;
        {
            std::lock_guard lk(m_);
            std::size_t v = word_.load(std::memory_order_relaxed);  // relaxed: under m_
            while (!waiters_.empty() && !(v & closed_bit) && v >= unit) {
                // Only this mutex's holder takes slots while waiters_bit is set.
                if (!word_.compare_exchange_weak(v, v - unit, std::memory_order_relaxed)) continue;
                if (std::optional<waker> w = waiters_.pop_front(true)) wake.push_back(std::move(*w));
                v -= unit;
            }
            if (waiters_.empty()) word_.fetch_and(~waiters_bit, std::memory_order_relaxed);  // relaxed: under m_
        }
        wake.wake_all();
    }

    const std::size_t cap_;
    sync::atomic<std::size_t> word_;
    sync::mutex m_;
    channel_waiter_list waiters_;  // guarded by m_
};

}  // namespace af::detail

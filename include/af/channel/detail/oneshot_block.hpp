// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The shared block behind `af::channel::oneshot::channel<T>()`: one allocation holding a state
/// word, the value in place and the two wakers. Internal; see docs/design/0010-oneshot-state-word.md.
///
/// Protocol. Everything the two ends tell each other goes through `state_`:
///
///   value     the value is constructed in the slot and published (set by send, with tx_done)
///   tx_done   the sender sent or was dropped; it never writes to the block again
///   rx_done   the receiver was dropped, closed, or failed with closed: sends fail, closed()
///             completes. A receiver that closed still owns its reference and reads `value`:
///             once `rx_done` is set no send can publish, so the bit is final from then on
///   rx_waker  the receiver's waker is in its slot; until tx_done the sender may read it
///   tx_waker  a closed() future's waker is in its slot; until rx_done the receiver may read it
///   refs      one count per party (sender, receiver, each closed() future); the party that
///             takes it to zero destroys the block
///
/// Waker slots. A slot belongs to its writer (the receiver, or the closed() future) while its
/// bit is clear, and is read-only for both sides once the bit is set. The writer publishes a
/// waker by setting the bit with a release RMW; the other side, if its own finishing RMW saw the
/// bit, wakes the waker *by reference* (it never moves or destroys it, so a concurrent
/// `will_wake` on the same slot is two reads, not a race). To change its waker the writer first
/// clears the bit; if that RMW shows the other side already finished, the writer leaves the
/// slot alone (the other side may be reading it) and completes instead. Wakers left in a slot
/// are destroyed with the block, except the receiver's: a receiver that closes or goes away
/// before the sender finished clears `rx_waker` in the same RMW that sets `rx_done` (the sender,
/// seeing `rx_done`, never reads the slot) and destroys its waker at once, so a dropped receive
/// does not keep its task's waker alive until the sender goes.
///
/// Value slot. The sender owns it until it sets `value`; from then on only the receiver touches
/// it (moves the value out, or destroys it when dropped). A send that finds `rx_done` already
/// set takes the value back out of the slot: it was never published.
///
/// Ownership. A party that has nothing left to do on the block drops its count in the same RMW
/// that records its last event; one that still has to wake a waker or destroy the value keeps
/// it and drops it afterwards. A party that sees it is the only one left (refs == 1 on an
/// acquire load) destroys the block without an RMW: no one else can take a new reference, since
/// only a live sender makes closed() futures.
#include <cstddef>  // std::size_t
#include <new>      // placement new, aligned operator new
#include <optional> // the waker slots
#include <type_traits> // std::conditional_t: the void channel's slot

#include "af/core/detail/frame_allocator.hpp"  // recycling_allocate / recycling_deallocate
#include "af/core/waker.hpp"
#include "af/detail/sync.hpp"  // the state word (model-checked: tests/model/oneshot_model.cpp)

namespace af::detail {

/// What a `oneshot::channel<void>()` carries in the value slot.
struct oneshot_unit {};
/// The slot type of a `oneshot::channel<T>()`.
template <class T>
using oneshot_stored_t = std::conditional_t<std::is_void_v<T>, oneshot_unit, T>;

struct oneshot_bits {
    static constexpr std::size_t value = 1;
    static constexpr std::size_t tx_done = 2;
    static constexpr std::size_t rx_done = 4;
    static constexpr std::size_t rx_waker = 8;
    static constexpr std::size_t tx_waker = 16;
    static constexpr std::size_t ref_shift = 5;
    static constexpr std::size_t ref = std::size_t{1} << ref_shift;

    static constexpr std::size_t refs(std::size_t s) noexcept { return s >> ref_shift; }
};

template <class T>
class oneshot_block : oneshot_bits {
public:
    oneshot_block(const oneshot_block&) = delete;
    oneshot_block& operator=(const oneshot_block&) = delete;

    /// A block with two references: the sender's and the receiver's.
    static oneshot_block* make() {
        void* p = allocate();
        return ::new (p) oneshot_block();
    }

    /// Another reference for a closed() future, taken from a live sender's.
    void add_ref() noexcept {
        // Relaxed: a new reference made from one we hold needs no ordering (the holder keeps
        // the block alive meanwhile); the drops are acq_rel.
        state_.fetch_add(ref, std::memory_order_relaxed);
    }

    // --- sender ------------------------------------------------------------------------------

    enum class send_outcome {
        sent,      // published; the sender's reference is gone
        refused,   // the receiver was gone: nothing happened to `v`; the reference is gone
        in_slot,   // the receiver went away meanwhile: the value is in the slot, unpublished;
                   // the caller moves it out with `slot()`, then calls `discard_slot()`
    };

    /// Publishes `v` and, unless it returns `in_slot`, drops the sender's reference.
    send_outcome send(T& v) {
        // Acquire: when the receiver is already gone, the block may be ours alone to destroy.
        std::size_t s = state_.load(std::memory_order_acquire);
        if ((s & rx_done) != 0) {
            finish_tx(s);
            return send_outcome::refused;
        }
        ::new (static_cast<void*>(&value_)) T(std::move(v));  // may throw: nothing changed yet
        std::size_t next = 0;
        bool keep = false;
        do {
            keep = (s & (rx_waker | rx_done)) != 0;  // a waker to wake, or a value to take back
            next = s | tx_done | ((s & rx_done) != 0 ? 0 : value);
            if (!keep) next -= ref;
            // Acq_rel: release publishes the value (and ends the sender's use of the block);
            // acquire makes the receiver's published waker visible. Failure: relaxed, retried.
        } while (!state_.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_relaxed));
        if ((s & rx_done) != 0) return send_outcome::in_slot;
        if (keep) {
            rx_waker_->wake_by_ref();
            release(0);
        }
        return send_outcome::sent;
    }

    /// The unpublished value of an `in_slot` send.
    T& slot() noexcept { return value_; }

    /// Ends an `in_slot` send: destroys the (moved-from) value and drops the sender's reference.
    void discard_slot() noexcept {
        value_.~T();
        release(0);
    }

    /// The sender is dropped unsent: wakes a waiting receiver, drops the reference.
    void drop_tx() noexcept {
        // Acquire: the block may be ours alone to destroy.
        finish_tx(state_.load(std::memory_order_acquire));
    }

    /// True once the receiver is gone. Acquire: a true answer orders the receiver's drop before
    /// whatever the caller does next.
    bool rx_gone() const noexcept { return (state_.load(std::memory_order_acquire) & rx_done) != 0; }

    // --- receiver ----------------------------------------------------------------------------

    /// The receiver's poll. Returns the state once the outcome is final (`tx_done` set, or
    /// `rx_done` after a close; the caller then takes the value or fails), 0 while pending.
    std::size_t poll_rx(const waker& w) {
        // Acquire: pairs with the sender's release, so a published value is visible.
        std::size_t s = state_.load(std::memory_order_acquire);
        if ((s & (tx_done | rx_done)) != 0) return s;
        if (!register_waker(s, rx_waker, tx_done, rx_waker_, w)) return s;
        return 0;
    }

    /// The state as the receiver's try_recv sees it. Acquire: as in poll_rx.
    std::size_t peek() const noexcept { return state_.load(std::memory_order_acquire); }

    /// Moves the published value out (the caller saw `value` in the state).
    T take_value() {
        T v(std::move(value_));
        value_.~T();
        release(value);  // the slot is empty now: the block's destruction must not touch it
        return v;
    }

    /// The receiver closes but stays: later sends fail and closed() completes, while a value
    /// published before this call can still be taken. Returns the state after the close.
    std::size_t close_rx() noexcept {
        // Acquire: as in poll_rx (the caller reads `value` from the result).
        std::size_t s = state_.load(std::memory_order_acquire);
        std::size_t next = 0;
        do {
            if ((s & rx_done) != 0) return s;  // closed before; only this receiver sets the bit
            next = (s | rx_done) & ~(unpublishes(s) ? rx_waker : 0);
            // Acq_rel: acquire for a published value and the closed() waker, release so a send
            // that sees rx_done also sees we are done with our waker slot. Failure: relaxed.
        } while (!state_.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_relaxed));
        if (unpublishes(s)) rx_waker_.reset();
        if ((s & tx_waker) != 0) tx_waker_->wake_by_ref();  // our reference keeps the block
        return next;
    }

    /// The receiver is dropped, or failed with closed: destroys an unread value and its own
    /// unread waker, wakes a closed() future (unless a close did), drops the reference.
    void drop_rx() noexcept {
        // Acquire: a value published by the sender must be visible before we destroy it.
        std::size_t s = state_.load(std::memory_order_acquire);
        if (refs(s) == 1) return destroy(this, s);
        std::size_t next = 0;
        bool keep = false;
        do {
            keep = (s & value) != 0 || unpublishes(s) || wakes_closed(s);
            next = (s | rx_done) & ~(unpublishes(s) ? rx_waker : 0);
            if (!keep) next -= ref;
            // Acq_rel: acquire for the value and the closed() waker, release so a failing send
            // sees the receiver done with the block. Failure: relaxed, retried.
        } while (!state_.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_relaxed));
        if (!keep) {
            if (refs(s) == 1) destroy(this, next);
            return;
        }
        if ((s & value) != 0) value_.~T();
        if (unpublishes(s)) rx_waker_.reset();
        if (wakes_closed(s)) tx_waker_->wake_by_ref();
        release(s & value);
    }

    // --- closed() future ---------------------------------------------------------------------

    /// True once the receiver is gone; otherwise registers `w` for the receiver's drop.
    bool poll_closed(const waker& w) {
        // Acquire: a ready closed() orders the receiver's drop before the caller's next step.
        std::size_t s = state_.load(std::memory_order_acquire);
        if ((s & rx_done) != 0) return true;
        return !register_waker(s, tx_waker, rx_done, tx_waker_, w);
    }

    /// Drops one reference (a closed() future's, or an end's whose last event is recorded);
    /// `clear` are flag bits this party clears in the same RMW (`value` once it emptied the slot).
    void release(std::size_t clear) noexcept {
        // Acquire: if we are the only party left, everything the others did to the block
        // happens-before its destruction (they dropped their counts with release).
        std::size_t s = state_.load(std::memory_order_acquire);
        // Acq_rel: release ends our use of the block; acquire, for whoever destroys it, sees
        // everyone else's.
        if (refs(s) != 1) s = state_.fetch_sub(ref + clear, std::memory_order_acq_rel);
        if (refs(s) == 1) destroy(this, s - clear);
    }

private:
    oneshot_block() noexcept {}  // NOLINT: value_ stays unconstructed until a send
    ~oneshot_block() {}

    static void* allocate() {
        if constexpr (alignof(oneshot_block) <= frame_align) return recycling_allocate(sizeof(oneshot_block));
        else return ::operator new(sizeof(oneshot_block), std::align_val_t{alignof(oneshot_block)});
    }

    static void destroy(oneshot_block* b, std::size_t s) noexcept {
        if ((s & value) != 0) b->value_.~T();
        b->~oneshot_block();  // the waker slots
        if constexpr (alignof(oneshot_block) <= frame_align) recycling_deallocate(b, sizeof(oneshot_block));
        else ::operator delete(static_cast<void*>(b), std::align_val_t{alignof(oneshot_block)});
    }

    // Whether the receiver's finishing RMW from state `s` takes its published waker back: only
    // while the sender has not finished (a finished sender may be waking it by reference).
    static constexpr bool unpublishes(std::size_t s) noexcept { return (s & (rx_waker | tx_done)) == rx_waker; }
    // Whether it must wake a closed() future: one is waiting and no close woke it before.
    static constexpr bool wakes_closed(std::size_t s) noexcept { return (s & (tx_waker | rx_done)) == tx_waker; }

    // The sender's last event without a value (dropped, or the receiver was found gone).
    void finish_tx(std::size_t s) noexcept {
        if (refs(s) == 1) return destroy(this, s);
        std::size_t next = 0;
        bool wake = false;
        do {
            wake = (s & (rx_waker | rx_done)) == rx_waker;
            next = s | tx_done;
            if (!wake) next -= ref;
            // Acq_rel: release ends the sender's use of the block; acquire makes the
            // receiver's published waker visible. Failure: relaxed, retried.
        } while (!state_.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_relaxed));
        if (!wake) {
            if (refs(s) == 1) destroy(this, next);
            return;
        }
        rx_waker_->wake_by_ref();
        release(0);
    }

    // Puts `w` in `slot` and publishes it with `mine`; `s` is a fresh state in which `theirs`
    // (the other side's finishing bit) was clear. False when `theirs` turned up meanwhile: then
    // the caller completes instead of waiting, and `s` is updated.
    bool register_waker(std::size_t& s, std::size_t mine, std::size_t theirs, std::optional<waker>& slot,
                        const waker& w) {
        if ((s & mine) != 0) {
            // Published: the other side may be reading the slot, so only read it too.
            if (slot->will_wake(w)) return true;
            // Take the slot back before changing it. Acquire: if the other side finished
            // meanwhile, what it published (the value) is visible; nothing of ours to release.
            s = state_.fetch_and(~mine, std::memory_order_acquire);
            if ((s & theirs) != 0) return false;  // it may be waking the old waker: leave the slot
        }
        slot = w;  // the bit is clear: the slot is ours
        // Acq_rel: release publishes the waker to the other side's finishing RMW; acquire, if
        // that side finished first, makes what it published visible.
        s = state_.fetch_or(mine, std::memory_order_acq_rel);
        return (s & theirs) == 0;
    }

    sync::atomic<std::size_t> state_{2 * ref};
    std::optional<waker> rx_waker_;
    std::optional<waker> tx_waker_;  // a closed() future's
    union {
        T value_;
    };
};

}  // namespace af::detail

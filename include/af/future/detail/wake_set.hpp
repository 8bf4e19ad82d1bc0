// SPDX-License-Identifier: MIT
#pragma once
// Per-child wakers for combinators that poll several futures (join, try_join, join_all, select,
// select_all): after the first poll, only the children that were woken are polled again.
//
// Design
// - `wake_set` is one heap block: a header (reference count, the parent's `atomic_waker`, a
//   lock-free stack of woken slots) followed by N `wake_slot`s. Child i is polled with a waker
//   whose data pointer is `&slot[i]`; every clone of it holds a reference to the whole block, so
//   a waker that outlives the combinator only touches live memory.
// - Waking slot i: `queued` goes false -> true (only the first wake since the last poll does
//   anything), the slot is pushed on the woken stack, then the parent waker is woken.
// - A poll: (1) re-register the parent waker, (2) take the whole stack with one exchange,
//   (3) clear each taken slot's `queued` flag, (4) poll those children in ascending index order.
//   (1) before (2) means a wake that misses the exchange still finds the new parent waker; (3)
//   before (4) means a wake that arrives while the child runs queues it again. Ascending order
//   makes `select`'s winner deterministic (lowest woken index that is ready).
// - Lazy allocation: the first poll polls every child with a stack-allocated "probe" waker. The
//   block is allocated the first time a child clones or wakes a probe, i.e. only when a child
//   actually waits; a combinator whose children are all ready at once never allocates. A clone
//   of a probe is an ordinary slot waker, so the child keeps a waker that is valid for ever.
// - The per-poll waker handed to a child is "borrowed": it carries the slot vtable without a
//   reference of its own (the combinator holds one for the duration), which saves two atomic
//   operations per child poll and keeps `will_wake` true between polls.
//
// Owner-only state (`scratch_`) is touched only by the thread that polls the combinator.
#include <atomic>     // reference count, woken stack, queued flags, lazy pointer
#include <cassert>    // contract checks
#include <cstddef>    // std::size_t, std::max_align_t
#include <new>        // placement new, ::operator new/delete
#include <utility>    // std::exchange
#include <vector>     // the drain buffer

#include "af/core/atomic_waker.hpp"
#include "af/core/context.hpp"
#include "af/core/waker.hpp"

namespace af::detail {

// Out of line (src/future/wake_set.cpp) so that this header does not pull in <algorithm>.
void sort_indices(std::size_t* first, std::size_t n) noexcept;


class wake_set;

struct wake_slot {
    wake_set* owner;
    std::size_t index;
    std::atomic<bool> queued{false};
    wake_slot* next = nullptr;  // link in the woken stack; written by the pusher, read by the owner
};

class wake_set {
public:
    /// A block with `n` slots and a reference count of one (the owner's).
    static wake_set* create(std::size_t n) {
        void* mem = ::operator new(slots_offset() + n * sizeof(wake_slot));
        auto* s = ::new (mem) wake_set(n);
        for (std::size_t i = 0; i < n; ++i) ::new (&s->slots()[i]) wake_slot{s, i};
        return s;
    }

    wake_set(const wake_set&) = delete;
    wake_set& operator=(const wake_set&) = delete;

    void retain() noexcept {
        // Relaxed: a new reference is made from an existing one, which already orders us.
        refs_.fetch_add(1, std::memory_order_relaxed);
    }
    void release() noexcept {
        // acq_rel: the last release must see every write made through the other references.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
    }

    std::size_t size() const noexcept { return n_; }
    void register_parent(const waker& w) { parent_.register_waker(w); }
    /// Drops the parent waker early (the combinator finished or died), so that a child waker
    /// that outlives it does not keep the parent task's waker alive.
    void forget_parent() { (void)parent_.take(); }

    /// Marks child `i` woken and wakes the parent (a no-op if it is already marked).
    void wake_slot_at(std::size_t i) noexcept { wake(slots()[i]); }

    /// An owning waker for slot `i` (adds a reference).
    waker waker_for(std::size_t i) noexcept {
        retain();
        return waker::from_raw({&slots()[i], &slot_vtable});
    }

    /// Takes the woken slots, clears their flags and calls `f(i)` for each in ascending order
    /// until `f` returns true. Owner thread only.
    template <class F>
    void drain(F&& f) {
        // Acquire: pairs with the release CAS in wake(), making each slot's `next` visible.
        wake_slot* s = head_.exchange(nullptr, std::memory_order_acquire);
        scratch_.clear();
        while (s != nullptr) {
            wake_slot* next = s->next;  // read before clearing: a new wake may rewrite it
            // Release: our read of `next` happens before a later pusher rewrites it.
            s->queued.store(false, std::memory_order_release);
            scratch_.push_back(s->index);
            s = next;
        }
        if (scratch_.size() > 1) sort_indices(scratch_.data(), scratch_.size());
        for (std::size_t i : scratch_) {
            borrowed_waker b{waker::from_raw({&slots()[i], &slot_vtable})};
            context cx(b.w);
            if (f(i, cx)) return;
        }
    }

private:
    // A waker without a reference of its own: the owner's reference keeps the block alive while
    // a child is polled. Releasing the raw waker (instead of dropping it) keeps the count right.
    struct borrowed_waker {
        waker w;
        ~borrowed_waker() { (void)std::move(w).into_raw(); }
    };

    explicit wake_set(std::size_t n) noexcept : n_(n) {}
    ~wake_set() = default;

    static constexpr std::size_t slots_offset() noexcept {
        constexpr std::size_t a = alignof(wake_slot);
        return (sizeof(wake_set) + a - 1) / a * a;
    }
    wake_slot* slots() noexcept {
        return std::launder(reinterpret_cast<wake_slot*>(reinterpret_cast<char*>(this) + slots_offset()));
    }

    void destroy() noexcept {
        for (std::size_t i = 0; i < n_; ++i) slots()[i].~wake_slot();
        this->~wake_set();
        ::operator delete(static_cast<void*>(this));
    }

    static void wake(wake_slot& slot) noexcept {
        // acq_rel: acquire the owner's release-clear (its read of `next` is done), and order our
        // push after it.
        if (slot.queued.exchange(true, std::memory_order_acq_rel)) return;
        wake_set* s = slot.owner;
        // Relaxed load/failure: the CAS below publishes `next`; a stale head only retries.
        wake_slot* head = s->head_.load(std::memory_order_relaxed);
        do {
            slot.next = head;
        } while (!s->head_.compare_exchange_weak(head, &slot, std::memory_order_release,
                                                 std::memory_order_relaxed));
        s->parent_.wake();
    }

    static raw_waker slot_clone(void* p) noexcept {
        static_cast<wake_slot*>(p)->owner->retain();
        return {p, &slot_vtable};
    }
    static void slot_wake(void* p) noexcept {
        auto* slot = static_cast<wake_slot*>(p);
        wake_set* s = slot->owner;
        wake(*slot);
        s->release();
    }
    static void slot_wake_by_ref(void* p) noexcept { wake(*static_cast<wake_slot*>(p)); }
    static void slot_drop(void* p) noexcept { static_cast<wake_slot*>(p)->owner->release(); }
    static constexpr raw_waker_vtable slot_vtable{&slot_clone, &slot_wake, &slot_wake_by_ref, &slot_drop};

    std::atomic<std::size_t> refs_{1};
    std::atomic<wake_slot*> head_{nullptr};
    atomic_waker parent_;
    std::size_t n_;
    std::vector<std::size_t> scratch_;
};

/// The combinator's handle on its (lazily allocated) `wake_set`.
class wake_set_ptr {
public:
    wake_set_ptr() noexcept = default;
    /// Only an unpolled combinator moves (futures are not moved once polled).
    wake_set_ptr(wake_set_ptr&& o) noexcept : first_(o.first_) {
        assert(o.first_ && o.get() == nullptr && "af: a combinator was moved after it was polled");
    }
    wake_set_ptr& operator=(wake_set_ptr&&) = delete;
    ~wake_set_ptr() { reset(); }

    /// Polls the children that need it: all of them on the first call, then the woken ones.
    /// `f(i, cx)` polls child `i` with `cx` and returns true to end the round early (a winner or
    /// an error); it is only called for indices below `n`.
    template <class F>
    void poll_children(context& cx, std::size_t n, F&& f) {
        if (first_) {
            first_ = false;
            for (std::size_t i = 0; i < n; ++i) {
                probe p{&set_, &cx.waker(), n, i};
                waker w = waker::from_raw({&p, &probe_vtable});  // drop is a no-op
                context child_cx(w);
                if (f(i, child_cx)) return;
            }
            return;
        }
        wake_set* s = get();
        if (s == nullptr) return;  // nobody kept a waker, so nobody can have been woken
        s->register_parent(cx.waker());
        s->drain(f);
    }

    /// Frees the block (if this was the last reference) once the children are gone.
    void reset() noexcept {
        // Acquire: see the block a probe may have published from another thread.
        if (wake_set* s = set_.exchange(nullptr, std::memory_order_acquire)) {
            s->forget_parent();
            s->release();
        }
    }

    wake_set* get() const noexcept {
        // Acquire: a probe on another thread may have published the block during the first poll.
        return set_.load(std::memory_order_acquire);
    }

private:
    // Lives on the stack for one child poll of the first round; see the design note above.
    struct probe {
        std::atomic<wake_set*>* target;
        const waker* parent;
        std::size_t n;
        std::size_t index;

        wake_set* ensure() const {
            // Acquire: see the block another thread may have published.
            wake_set* s = target->load(std::memory_order_acquire);
            if (s != nullptr) return s;
            wake_set* made = wake_set::create(n);
            made->register_parent(*parent);
            // acq_rel: publish the initialised block, or acquire the one that beat us.
            if (target->compare_exchange_strong(s, made, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
                return made;
            }
            made->release();
            return s;
        }
    };
    static raw_waker probe_clone(void* p) {
        auto* pr = static_cast<probe*>(p);
        return std::move(pr->ensure()->waker_for(pr->index)).into_raw();
    }
    static void probe_wake(void* p) {
        auto* pr = static_cast<probe*>(p);
        pr->ensure()->wake_slot_at(pr->index);
    }
    static void probe_drop(void*) noexcept {}
    static constexpr raw_waker_vtable probe_vtable{&probe_clone, &probe_wake, &probe_wake, &probe_drop};

    std::atomic<wake_set*> set_{nullptr};
    bool first_ = true;
};

}  // namespace af::detail

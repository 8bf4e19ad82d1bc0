// SPDX-License-Identifier: MIT
#pragma once
// The nodes and the shared ready queue behind af::futures_unordered.
//
// Ownership
// - Each future lives in its own heap node (`unordered_node<F>`) with an atomic reference
//   count. References are held by: the set (while the future runs), every waker made for the
//   node, and the ready queue while the node sits in it (one reference, whatever the number of
//   wakes, because `queued` lets only the first wake since the last poll push the node).
// - Every node holds a reference to the `ready_queue`, so a waker that outlives the set can
//   still push into it. The queue holds references to the nodes in it: that is a cycle, broken
//   by the `closed` flag (below).
//
// Waking node n: if `queued` goes false -> true, take a queue reference on n, push n on a
// lock-free stack (one CAS), wake the parent's `atomic_waker`. The owner takes the whole stack
// with one exchange and reverses it, so wakes are served first come, first served.
//
// A finished or cancelled node has its future destroyed by the owner and its `queued` flag set
// for good, so later wakes of stale wakers push nothing.
//
// Closing (the set is destroyed): the owner stores `closed`, then empties the stack. A pusher
// that loses the race (its push lands after the owner's exchange) sees `closed` on its re-check
// and empties the stack itself, dropping the references. Both sides use seq_cst so that "push
// after the exchange" implies "closed is visible to the pusher" (the store precedes the
// exchange, the push precedes the load, in the single total order).
#include <atomic>   // reference counts, queued flags, the stack, the closed flag
#include <cstddef>  // std::size_t
#include <optional>  // a node's future until it finishes
#include <utility>  // std::move

#include "af/core/atomic_waker.hpp"
#include "af/core/waker.hpp"

namespace af::detail {

class ready_queue;

class unordered_node_base {
public:
    unordered_node_base(const unordered_node_base&) = delete;
    unordered_node_base& operator=(const unordered_node_base&) = delete;

    void retain() noexcept {
        // Relaxed: a new reference is made from an existing one, which already orders us.
        refs_.fetch_add(1, std::memory_order_relaxed);
    }
    void release() noexcept {
        // acq_rel: the last release must see every write made through the other references.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    /// Marks the node woken and queues it (a no-op if it is already queued or dead).
    inline void wake() noexcept;

    /// Owner: the node leaves the queue to be polled; wakes from now on queue it again.
    void dequeue_for_poll() noexcept {
        // Release: the owner's read of `next` happens before a pusher that sees false rewrites it.
        queued_.store(false, std::memory_order_release);
    }
    /// Owner: queues the node again without a wake (af::streams::stream_map puts a child that
    /// just yielded back in line); false if a wake has queued it already.
    bool requeue() noexcept {
        // acq_rel: as in wake(); the winner of the flag owns the node's `next` link.
        return !queued_.exchange(true, std::memory_order_acq_rel);
    }
    /// Owner: the future is gone; no wake may queue the node again.
    void mark_dead() noexcept {
        // Relaxed: only the flag matters; a node already queued is released by whoever drains it.
        queued_.store(true, std::memory_order_relaxed);
    }

    /// A waker without its own reference, for the duration of one poll (the set holds one).
    raw_waker borrowed_raw() noexcept { return {this, &vtable}; }

    unordered_node_base* next = nullptr;  // link in the stack, then in the owner's ready list
    unordered_node_base* prev_all = nullptr;  // the owner's list of running nodes
    unordered_node_base* next_all = nullptr;

protected:
    inline explicit unordered_node_base(ready_queue* q) noexcept;
    inline virtual ~unordered_node_base();

private:
    static raw_waker clone_fn(void* p) noexcept {
        static_cast<unordered_node_base*>(p)->retain();
        return {p, &vtable};
    }
    static void wake_fn(void* p) noexcept {
        auto* n = static_cast<unordered_node_base*>(p);
        n->wake();
        n->release();
    }
    static void wake_by_ref_fn(void* p) noexcept { static_cast<unordered_node_base*>(p)->wake(); }
    static void drop_fn(void* p) noexcept { static_cast<unordered_node_base*>(p)->release(); }
    static constexpr raw_waker_vtable vtable{&clone_fn, &wake_fn, &wake_by_ref_fn, &drop_fn};

    std::atomic<std::size_t> refs_{1};
    // A new node starts queued: the owner puts it straight into its ready list.
    std::atomic<bool> queued_{true};
    ready_queue* queue_;
};

class ready_queue {
public:
    static ready_queue* create() { return new ready_queue; }

    void retain() noexcept {
        // Relaxed: a new reference is made from an existing one, which already orders us.
        refs_.fetch_add(1, std::memory_order_relaxed);
    }
    void release() noexcept {
        // acq_rel: the last release must see every write made through the other references.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    /// Pushes `n`, which carries one reference for the queue.
    void push(unordered_node_base* n) noexcept {
        unordered_node_base* head = head_.load(std::memory_order_relaxed);  // Relaxed: the CAS checks it
        do {
            n->next = head;
        } while (!head_.compare_exchange_weak(head, n, std::memory_order_seq_cst,
                                              std::memory_order_relaxed));  // Relaxed: retry only
        if (closed_.load(std::memory_order_seq_cst)) {
            release_all(take_all_closing());
            return;
        }
        parent_.wake();
    }

    /// Owner: the woken nodes, oldest wake first; the caller owns their queue references.
    unordered_node_base* take_all() noexcept {
        // Acquire: pairs with the pushers' CAS, making each node's `next` visible.
        return reverse(head_.exchange(nullptr, std::memory_order_acquire));
    }

    void register_parent(const waker& w) { parent_.register_waker(w); }

    /// Owner, once: no push will be served again; drops the nodes still queued.
    void close() noexcept {
        closed_.store(true, std::memory_order_seq_cst);
        release_all(take_all_closing());
        (void)parent_.take();
    }

    static void release_all(unordered_node_base* n) noexcept {
        while (n != nullptr) {
            unordered_node_base* next = n->next;
            n->release();
            n = next;
        }
    }

private:
    ready_queue() = default;

    unordered_node_base* take_all_closing() noexcept {
        return head_.exchange(nullptr, std::memory_order_seq_cst);
    }

    static unordered_node_base* reverse(unordered_node_base* n) noexcept {
        unordered_node_base* out = nullptr;
        while (n != nullptr) {
            unordered_node_base* next = n->next;
            n->next = out;
            out = n;
            n = next;
        }
        return out;
    }

    std::atomic<std::size_t> refs_{1};
    std::atomic<unordered_node_base*> head_{nullptr};
    std::atomic<bool> closed_{false};
    atomic_waker parent_;
};

inline unordered_node_base::unordered_node_base(ready_queue* q) noexcept : queue_(q) { q->retain(); }
inline unordered_node_base::~unordered_node_base() { queue_->release(); }

inline void unordered_node_base::wake() noexcept {
    // acq_rel: acquire the owner's release in dequeue_for_poll (its read of `next` is done).
    if (queued_.exchange(true, std::memory_order_acq_rel)) return;
    retain();  // the queue's reference
    queue_->push(this);
}

/// A node holding one future of type `F`; only the owner touches `future`.
template <class F>
class unordered_node final : public unordered_node_base {
public:
    unordered_node(ready_queue* q, F&& f) : unordered_node_base(q), future(std::move(f)) {}
    std::optional<F> future;
};

}  // namespace af::detail

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Internals shared by the af::sync primitives: an intrusive FIFO of waiter nodes and a small
/// batch of wakers to wake after a lock is released.
///
/// Design: every waiting future embeds its own node, so waiting allocates nothing. A node is
/// linked, unlinked and inspected only while the primitive's std::mutex is held; the future's
/// destructor takes the same lock to unlink itself, which is what makes cancellation exact.
/// Wakers are moved out of the nodes under the lock and woken after it is released: a waker
/// may run arbitrary executor code, which must not run under our lock (it could re-enter the
/// primitive, and it would lengthen the critical section).
#include <cassert>  // list invariants
#include <cstddef>  // std::size_t, std::byte
#include <new>      // placement new for the waker batch
#include <utility>  // std::move

#include "af/core/waker.hpp"

namespace af::detail {

/// The links of a node in an `intrusive_list<Node>`; `Node` derives from `list_hook<Node>`.
template <class Node>
struct list_hook {
    Node* prev_ = nullptr;
    Node* next_ = nullptr;
    bool linked_ = false;
};

/// A doubly linked FIFO of nodes it does not own. Not thread-safe: the owner's lock guards it.
template <class Node>
class intrusive_list {
public:
    bool empty() const noexcept { return head_ == nullptr; }
    Node* front() const noexcept { return head_; }

    void push_back(Node* n) noexcept {
        assert(!n->linked_);
        n->prev_ = tail_;
        n->next_ = nullptr;
        if (tail_) tail_->next_ = n; else head_ = n;
        tail_ = n;
        n->linked_ = true;
    }

    Node* pop_front() noexcept {
        Node* n = head_;
        if (n) remove(n);
        return n;
    }

    void remove(Node* n) noexcept {
        assert(n->linked_);
        if (n->prev_) n->prev_->next_ = n->next_; else head_ = n->next_;
        if (n->next_) n->next_->prev_ = n->prev_; else tail_ = n->prev_;
        n->prev_ = n->next_ = nullptr;
        n->linked_ = false;
    }

private:
    Node* head_ = nullptr;
    Node* tail_ = nullptr;
};

/// Up to `capacity` wakers collected under a lock and woken after it. When it is full the
/// caller unlocks, calls `wake_all()` and relocks. The destructor wakes whatever is left, so an
/// early exit (an exception) cannot lose a wake-up.
class wake_list {
public:
    static constexpr std::size_t capacity = 16;

    wake_list() noexcept = default;
    wake_list(const wake_list&) = delete;
    wake_list& operator=(const wake_list&) = delete;
    ~wake_list() { wake_all(); }

    bool full() const noexcept { return size_ == capacity; }

    void push(af::waker&& w) noexcept {
        assert(!full());
        ::new (slot(size_++)) af::waker(std::move(w));
    }

    void wake_all() noexcept {
        for (std::size_t i = 0; i < size_; ++i) {
            af::waker* w = std::launder(reinterpret_cast<af::waker*>(slot(i)));
            std::move(*w).wake();
            w->~waker();
        }
        size_ = 0;
    }

private:
    void* slot(std::size_t i) noexcept { return storage_ + i * sizeof(af::waker); }

    alignas(af::waker) std::byte storage_[capacity * sizeof(af::waker)];
    std::size_t size_ = 0;
};

}  // namespace af::detail

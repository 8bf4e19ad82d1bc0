// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// An intrusive FIFO list of waiting futures, each with a waker slot. Internal to af::channel.
///
/// Every operation is called with the owning channel's mutex held; the list itself does no
/// locking. Nodes live inside the waiting futures (or receivers), so linking allocates nothing;
/// a node unlinks itself from the destructor of its owner, under the same mutex, which is what
/// makes cancellation (destroying a waiting future) safe.
#include <optional>  // the waker slot

#include "af/core/waker.hpp"

namespace af::detail {

struct channel_waiter {
    channel_waiter* prev = nullptr;
    channel_waiter* next = nullptr;
    bool linked = false;
    /// Set by whoever removes this node to say "you got what you waited for" (a slot, a value).
    bool granted = false;
    std::optional<waker> w;

    void set_waker(const waker& nw) {
        if (!w || !w->will_wake(nw)) w.emplace(nw);
    }
};

class channel_waiter_list {
public:
    bool empty() const noexcept { return head_ == nullptr; }
    channel_waiter* front() const noexcept { return head_; }

    void push_back(channel_waiter& n) noexcept {
        n.prev = tail_;
        n.next = nullptr;
        if (tail_) tail_->next = &n;
        else head_ = &n;
        tail_ = &n;
        n.linked = true;
    }

    void remove(channel_waiter& n) noexcept {
        if (!n.linked) return;
        if (n.prev) n.prev->next = n.next;
        else head_ = n.next;
        if (n.next) n.next->prev = n.prev;
        else tail_ = n.prev;
        n.prev = n.next = nullptr;
        n.linked = false;
    }

    /// Unlinks the first node and returns its waker (to be woken after the mutex is released).
    std::optional<waker> pop_front(bool granted) noexcept {
        channel_waiter* n = head_;
        remove(*n);
        n->granted = granted;
        std::optional<waker> w = std::move(n->w);
        n->w.reset();
        return w;
    }

    /// Unlinks every node, moving their wakers into `out` (woken after the mutex is released).
    template <class Out>
    void drain(Out& out) {
        while (head_) {
            if (std::optional<waker> w = pop_front(false)) out.push_back(std::move(*w));
        }
    }

private:
    channel_waiter* head_ = nullptr;
    channel_waiter* tail_ = nullptr;
};

}  // namespace af::detail

// SPDX-License-Identifier: MIT
// af::scope: the poll loop and cancellation. The node/queue protocol is described in
// include/af/future/detail/scope_node.hpp.
//
// Invariants:
// - `live_` holds exactly the children that were spawned and have neither finished nor been
//   cancelled; node->index is its position there and node->alive is true for them.
// - A node is in the ready queue at most once (node->queued); the scope takes it out (and
//   clears `queued`) before polling it, so a wake during its own poll queues it again.
// - One poll takes one batch (what the queue held after the parent waker was registered) and
//   polls each node of it once. Wakes during the batch land in the queue and have woken the
//   parent waker, so returning pending then is not a lost wake-up.
#include "af/future/scope.hpp"

#include <exception>  // std::exception_ptr, std::rethrow_exception

namespace af {

scope::scope() : queue_(std::make_shared<detail::scope_queue>()) {}

scope::~scope() {
    cancel_all();
    std::vector<detail::scope_node*> left;
    {
        std::lock_guard lk(queue_->m);
        queue_->closed = true;  // late wakes from wakers that outlive us are now ignored
        left.swap(queue_->ready);
    }
    // Released outside the lock: the last release deletes the node, which drops its queue
    // reference.
    for (detail::scope_node* n : left) n->release();
}

void scope::adopt(detail::scope_node* n) {
    n->index = live_.size();
    live_.push_back(n);
    n->wake();  // queue it for its first poll and wake the awaiting task
}

void scope::remove_live(detail::scope_node* n) noexcept {
    detail::scope_node* last = live_.back();
    live_[n->index] = last;
    last->index = n->index;
    live_.pop_back();
    n->alive = false;
    n->drop_child();
    n->release();
}

void scope::cancel_all() noexcept {
    // Back to front, popping first: a child's destructor may wake or even spawn, and either is
    // handled (a spawned child is cancelled by a later iteration).
    while (!live_.empty()) {
        detail::scope_node* n = live_.back();
        live_.pop_back();
        n->alive = false;
        n->drop_child();
        n->release();
    }
}

af::poll<void> scope::poll(context& cx) {
    queue_->parent.register_waker(cx.waker());
    batch_.clear();
    {
        std::lock_guard lk(queue_->m);
        batch_.swap(queue_->ready);
    }
    std::size_t i = 0;
    try {
        for (; i < batch_.size(); ++i) {
            detail::scope_node* n = batch_[i];
            // AcqRel: see what a waker published before its wake (pairs with its exchange).
            n->queued.exchange(false, std::memory_order_acq_rel);
            if (n->alive) {
                waker w = waker::from(*n);
                context child_cx(w);
                if (n->poll_child(child_cx)) remove_live(n);
            }
            n->release();
        }
    } catch (...) {
        // The throwing node's reference is still held by the batch: release it and the rest.
        for (; i < batch_.size(); ++i) batch_[i]->release();
        batch_.clear();
        cancel_all();
        throw;
    }
    batch_.clear();
    if (live_.empty()) return {};
    return pending;
}

}  // namespace af

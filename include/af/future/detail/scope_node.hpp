// SPDX-License-Identifier: MIT
#pragma once
// The children of an af::scope and the queue of those that were woken.
//
// Each child lives in a heap node that is also its waker (an af::wakeable). Ownership:
// - the scope holds one reference per live child (its `live_` list);
// - the ready queue holds one reference per entry;
// - every waker handed to the child holds one.
// So a waker that outlives its child, or the whole scope, still points at valid memory; the
// child's future itself is destroyed by the scope (on completion or cancellation), only the
// small node lingers until its last waker goes.
//
// Waking a node pushes it on the shared ready queue (once: the `queued` flag dedupes until the
// scope takes it off again) and, when the queue was empty, wakes the task awaiting the scope
// through an af::atomic_waker. The queue is a mutex-guarded vector: wakes are short and rare
// next to polls. Once the scope is destroyed the queue is `closed` and wakes are ignored, which
// also prevents a node<->queue reference cycle from forming after that point.
#include <atomic>    // the queued flag
#include <cstddef>   // std::size_t
#include <memory>    // std::shared_ptr: the queue outlives the scope while nodes point at it
#include <mutex>     // guards the ready queue
#include <optional>  // the child future, destroyed before the node
#include <utility>   // std::move
#include <vector>    // the ready queue

#include "af/core/atomic_waker.hpp"
#include "af/core/future.hpp"
#include "af/core/wakeable.hpp"

namespace af::detail {

class scope_node;

struct scope_queue {
    std::mutex m;
    std::vector<scope_node*> ready;  // each entry owns one reference
    bool closed = false;
    atomic_waker parent;
};

class scope_node : public wakeable {
public:
    // Polls the child once; true when it finished. Throws what the child throws.
    virtual bool poll_child(context& cx) = 0;
    // Destroys the child future (cancellation, or release after completion).
    virtual void drop_child() noexcept = 0;

    void wake() noexcept override {
        // AcqRel: release what the waking thread did to the scope's poller, which takes the flag
        // back with an acq_rel exchange before polling the child; acquire its reset.
        if (queued.exchange(true, std::memory_order_acq_rel)) return;
        bool was_empty;
        {
            std::lock_guard lk(queue->m);
            if (queue->closed) return;
            was_empty = queue->ready.empty();
            retain();
            queue->ready.push_back(this);
        }
        // A non-empty queue means an earlier push since the last drain already woke the parent.
        if (was_empty) queue->parent.wake();
    }

    std::shared_ptr<scope_queue> queue;
    std::atomic<bool> queued{false};
    // Owner side (only the thread polling the scope touches these).
    std::size_t index = 0;  // position in the scope's live list
    bool alive = true;

protected:
    explicit scope_node(std::shared_ptr<scope_queue> q) noexcept : queue(std::move(q)) {}
};

template <class F>
class scope_child final : public scope_node {
public:
    scope_child(std::shared_ptr<scope_queue> q, F f) : scope_node(std::move(q)), future_(std::move(f)) {}

    bool poll_child(context& cx) override { return future_->poll(cx).is_ready(); }
    void drop_child() noexcept override { future_.reset(); }

private:
    std::optional<F> future_;
};

}  // namespace af::detail

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::futures_unordered<F>`: a growable set of futures, run concurrently, whose outputs come
/// out in completion order.
///
///     af::futures_unordered<af::task<int>> set;
///     for (int id : ids) set.push(fetch(id));
///     while (auto v = co_await set.next()) use(*v);   // std::nullopt once the set is empty
///
/// Choosing among siblings: `af::join_all` when you want all outputs at once, in input order;
/// `af::select_all` to race a vector once. `futures_unordered` is the one to use for many
/// futures, for futures added while others run, and to process outputs as they arrive.
///
/// Cost: a poll is O(woken), not O(size). Every future lives in its own heap node with its own
/// waker; a wake puts the node on a lock-free ready queue and `poll_next` polls only the nodes
/// it finds there (a newly pushed future counts as woken). A finished node is freed at once.
///
/// Fairness: one `poll_next` polls at most `size()` futures. If work is left (a future that
/// keeps waking itself, say), it wakes its own waker and returns pending, so the task that owns
/// the set gets back to its executor and other tasks run.
///
/// Errors: an exception thrown by a future propagates out of `poll_next` (and so out of
/// `co_await set.next()`); that future is removed, the others stay in the set.
///
/// Cancellation: destroying the set (or calling `clear()`) destroys every future still in it.
/// Dropping a `next()` future mid-way loses nothing: outputs are taken only when returned.
///
/// Thread safety: the set belongs to one task (push, poll_next and next from one thread at a
/// time). The futures' wakers may be woken from any thread, also after the set is gone: they
/// keep their node alive, and a wake of a node whose set was destroyed does nothing. Unlike most
/// futures, the set may be moved at any time, even between polls: its futures are on the heap.
#include <cstddef>   // std::size_t
#include <optional>  // the output of poll_next
#include <utility>   // std::move, std::exchange, std::swap

#include "af/core/future.hpp"
#include "af/future/detail/maybe_done.hpp"
#include "af/future/detail/ready_queue.hpp"

namespace af {

template <future F>
class futures_unordered {
public:
    /// The output of one future; `void` becomes `std::monostate`.
    using value_type = detail::value_of<F>;
    /// The set is a stream of its outputs (`af::stream`: `item` and `poll_next`).
    using item = value_type;

    /// The future made by `next()`: the next output, or `std::nullopt` when the set is empty.
    class [[nodiscard("a future does nothing until it is awaited")]] next_future {
    public:
        using output = std::optional<value_type>;
        explicit next_future(futures_unordered& s) noexcept : set_(&s) {}
        af::poll<output> poll(context& cx) { return set_->poll_next(cx); }

    private:
        futures_unordered* set_;
    };

    futures_unordered() noexcept = default;
    futures_unordered(futures_unordered&& o) noexcept
        : queue_(std::exchange(o.queue_, nullptr)),
          running_(std::exchange(o.running_, nullptr)),
          ready_head_(std::exchange(o.ready_head_, nullptr)),
          ready_tail_(std::exchange(o.ready_tail_, nullptr)),
          size_(std::exchange(o.size_, 0)) {}
    futures_unordered& operator=(futures_unordered&& o) noexcept {
        futures_unordered moved(std::move(o));
        swap(moved);  // our old futures are cancelled when `moved` dies
        return *this;
    }
    ~futures_unordered() {
        clear();
        if (queue_ != nullptr) {
            queue_->close();
            queue_->release();
        }
    }

    /// Adds `f`; it is polled by the next `poll_next`. Does not wake the owner.
    void push(F f) {
        if (queue_ == nullptr) queue_ = detail::ready_queue::create();
        auto* n = new node(queue_, std::move(f));  // its one reference is the set's
        n->next_all = running_;
        if (running_ != nullptr) running_->prev_all = n;
        running_ = n;
        ++size_;
        n->retain();  // the ready list's reference
        append_ready(n);
    }

    /// The number of futures that have not finished.
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    /// Polls the woken futures until one finishes: ready with its output, ready with
    /// `std::nullopt` if the set is empty (without registering the waker), else pending.
    af::poll<std::optional<value_type>> poll_next(context& cx) {
        // Built in place: GCC 12 -O2 warns (maybe-uninitialized) when an empty optional is copied.
        using result = af::poll<std::optional<value_type>>;
        if (size_ == 0) return result(std::in_place, std::nullopt);
        queue_->register_parent(cx.waker());
        std::size_t budget = size_;
        for (;;) {
            if (ready_head_ == nullptr) {
                append_ready(queue_->take_all());
                if (ready_head_ == nullptr) return pending;
            }
            if (budget == 0) {
                cx.waker().wake_by_ref();  // yield: there is more to do, but others may run first
                return pending;
            }
            auto* n = static_cast<node*>(pop_ready());
            release_guard queued_ref{n};  // the ready list's reference, dropped after the poll
            if (!n->future) continue;     // finished or cancelled since it was woken
            n->dequeue_for_poll();
            --budget;
            borrowed_waker w{waker::from_raw(n->borrowed_raw())};
            context node_cx(w.w);
            std::optional<af::poll<value_type>> p;
            try {
                p.emplace(detail::poll_as_value(*n->future, node_cx));
            } catch (...) {
                retire(n);
                throw;
            }
            if (p->is_pending()) continue;
            retire(n);
            return result(std::in_place, std::in_place, std::move(*p).value());
        }
    }

    /// A future for the next output: `while (auto v = co_await set.next())`.
    next_future next() noexcept { return next_future(*this); }

    void swap(futures_unordered& o) noexcept {
        std::swap(queue_, o.queue_);
        std::swap(running_, o.running_);
        std::swap(ready_head_, o.ready_head_);
        std::swap(ready_tail_, o.ready_tail_);
        std::swap(size_, o.size_);
    }

    /// Destroys every future in the set (cancellation); the set stays usable.
    void clear() noexcept {
        while (running_ != nullptr) retire(static_cast<node*>(running_));
        detail::ready_queue::release_all(std::exchange(ready_head_, nullptr));
        ready_tail_ = nullptr;
    }

private:
    using node = detail::unordered_node<F>;

    struct release_guard {
        detail::unordered_node_base* n;
        ~release_guard() { n->release(); }
    };
    // The node's waker for one poll; it has no reference of its own (the set holds one).
    struct borrowed_waker {
        waker w;
        ~borrowed_waker() { (void)std::move(w).into_raw(); }
    };

    void append_ready(detail::unordered_node_base* list) noexcept {
        if (list == nullptr) return;
        if (ready_tail_ != nullptr) {
            ready_tail_->next = list;
        } else {
            ready_head_ = list;
        }
        ready_tail_ = list;
        while (ready_tail_->next != nullptr) ready_tail_ = ready_tail_->next;
    }
    detail::unordered_node_base* pop_ready() noexcept {
        detail::unordered_node_base* n = ready_head_;
        ready_head_ = n->next;
        if (ready_head_ == nullptr) ready_tail_ = nullptr;
        return n;
    }

    // Removes a finished (or cancelled) node: destroys its future and drops the set's reference.
    void retire(node* n) noexcept {
        if (n->prev_all != nullptr) {
            n->prev_all->next_all = n->next_all;
        } else {
            running_ = n->next_all;
        }
        if (n->next_all != nullptr) n->next_all->prev_all = n->prev_all;
        --size_;
        n->mark_dead();
        n->future.reset();
        n->release();
    }

    detail::ready_queue* queue_ = nullptr;
    detail::unordered_node_base* running_ = nullptr;  // every node whose future still runs
    detail::unordered_node_base* ready_head_ = nullptr;  // woken nodes, in wake order
    detail::unordered_node_base* ready_tail_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace af

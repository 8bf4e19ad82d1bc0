// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::channel::mpsc`: many senders, one receiver, values in send order.
///
///     auto [tx, rx] = af::channel::mpsc::bounded<job>(16);
///     auto tx2 = tx;                                  // senders are copyable
///     co_await tx.send(job{1});                       // waits while 16 values are queued
///     while (std::optional<job> j = co_await rx.recv()) run(*j);   // ends when all senders drop
///
/// Choosing: `bounded(n)` gives backpressure (a fast producer waits for a slow consumer) and is
/// the default choice; `unbounded()` never makes a sender wait, at the price of unbounded
/// memory. Both return the same `sender<T>` / `receiver<T>` types; on an unbounded channel
/// `send` is ready at its first poll and `try_send` never reports `full`.
///
/// Semantics:
/// - The receiver is an `af::stream` (`item`, `poll_next`) and has `recv()`. When every sender
///   (and every pending send and permit, which count as senders) is gone, it drains what is
///   queued and then ends with `std::nullopt`.
/// - `receiver.close()` makes new sends fail (`send_status::closed`, value handed back); what is
///   queued, and what outstanding permits send, can still be received.
/// - Senders waiting for capacity are served first come, first served. A waiting send that is
///   destroyed leaves the queue; if a slot had already been handed to it, the slot passes to the
///   next waiter, so no wake-up and no slot is lost.
/// - A sender is an `af::sink<sender<T>, T>` (`poll_ready` holds a slot, like `reserve`), so
///   `af::sinks::send(tx, v)`, `send_all` and the `af::sinks` adaptors work on it; see
///   `sender::poll_ready` and the book chapter "Sinks".
///
/// Thread safety: all handles may be used from different threads at once (each handle by one
/// thread at a time). One mutex per channel guards the queue, the counts and the waiter list; it
/// is held for O(1) work and never while a waker runs or a value is destroyed. A lock keeps the
/// cancellable FIFO of waiting senders obviously right; the uncontended cost is one atomic
/// exchange per operation. See the book chapter "Channels".
#include <cassert>   // handle misuse
#include <atomic>    // the sender count
#include <cstddef>   // std::size_t
#include <deque>     // the queue
#include <limits>    // unbounded capacity
#include <memory>    // shared state
#include <mutex>     // guards the state
#include <optional>  // values and wakers
#include <utility>   // std::pair, std::move
#include <vector>    // wakers collected under the lock, woken after it

#include "af/channel/detail/waiter_list.hpp"
#include "af/core/coop.hpp"
#include "af/channel/error.hpp"
#include "af/core/future.hpp"
#include "af/sink/error.hpp"  // the sink members throw af::sink_closed_error

namespace af::channel::mpsc {

namespace detail {

// Wakers collected under the lock and woken after it. Nearly every operation wakes zero or one
// (the receiver, or the next waiting sender): keep two inline so the hot paths never allocate.
class wake_list {
public:
    void push_back(waker&& w) {
        if (n_ < inline_cap) {
            inline_[n_++].emplace(std::move(w));
        } else {
            more_.push_back(std::move(w));
        }
    }
    void wake_all() {
        for (std::size_t i = 0; i < n_; ++i) std::move(*inline_[i]).wake();
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

template <class T>
struct state {
    explicit state(std::size_t c) : cap(c) {}

    std::mutex m;
    std::deque<T> queue;
    const std::size_t cap;
    std::size_t reserved = 0;  // slots held by permits, or granted to a waiting send
    // Sender handles + live send/reserve futures + permits. Atomic so that making and dropping
    // senders (every send future is one) takes no lock; only the last drop locks, to wake the
    // receiver.
    std::atomic<std::size_t> senders{0};
    bool rx_closed = false;    // close() called or receiver dropped: no new sends
    bool rx_dropped = false;   // receiver gone: values sent through permits are discarded
    std::optional<waker> rx_waker;
    af::detail::channel_waiter_list waiters;  // sends waiting for a slot, FIFO

    bool has_slot() const noexcept { return queue.size() + reserved < cap; }
    bool receiver_should_end() const noexcept {
        // Acquire: pairs with drop_sender's release, so every value sent before is in the queue.
        return queue.empty() && (senders.load(std::memory_order_acquire) == 0 || (rx_closed && reserved == 0));
    }
    void take_rx_waker(wake_list& out) {
        if (rx_waker) out.push_back(std::move(*rx_waker));
        rx_waker.reset();
    }
    // A slot became free: it goes to the first waiting send, if any (so capacity is never free
    // while someone waits, which is what makes try_send unable to jump the queue).
    void free_slot(wake_list& out) {
        if (!rx_closed && !waiters.empty()) {
            ++reserved;
            if (std::optional<waker> w = waiters.pop_front(true)) out.push_back(std::move(*w));
        } else if (rx_closed && receiver_should_end()) {
            take_rx_waker(out);
        }
    }
    // Called with a reserved slot in hand. Hands the value to `discarded` when the receiver is
    // gone, to be destroyed after the lock.
    void push_reserved(T v, wake_list& out, std::optional<T>& discarded) {
        --reserved;
        if (rx_dropped) {
            discarded.emplace(std::move(v));
            return;
        }
        queue.push_back(std::move(v));
        take_rx_waker(out);
    }

    void add_sender() noexcept {
        // Relaxed: a new sender is made from an existing one (or with the channel), which
        // keeps the count above zero meanwhile.
        senders.fetch_add(1, std::memory_order_relaxed);
    }
    void drop_sender() {
        // AcqRel: the last drop must see every send, and the receiver (acquire above) this one.
        if (senders.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        // The receiver checks the count and registers its waker under the lock: taking the
        // lock after the count reached zero either finds that waker or lets the receiver see 0.
        wake_list wake;
        {
            std::lock_guard lk(m);
            take_rx_waker(wake);
        }
        wake.wake_all();
    }
};

inline void wake_all(wake_list& ws) { ws.wake_all(); }

// Waits for a slot in FIFO order; the common part of send() and reserve(). Counts as a sender
// while alive. Not movable once polled (its waiter node is linked into the channel).
template <class T>
class slot_waiter {
public:
    explicit slot_waiter(std::shared_ptr<state<T>> s) : s_(std::move(s)) { s_->add_sender(); }
    slot_waiter(slot_waiter&& o) noexcept : s_(std::move(o.s_)) {
        assert(!o.node_.linked && "af::channel::mpsc: a send/reserve future was moved after it was polled");
    }
    slot_waiter& operator=(slot_waiter&&) = delete;
    ~slot_waiter() {
        if (!s_) return;
        if (settled_) {  // never waited in line, or already took its slot: nothing to undo
            s_->drop_sender();
            return;
        }
        detail::wake_list wake;
        {
            std::lock_guard lk(s_->m);
            if (node_.linked) {
                s_->waiters.remove(node_);
            } else if (node_.granted) {
                // Cancelled after a slot was handed to us but before we used it: pass it on.
                --s_->reserved;
                s_->free_slot(wake);
            }
        }
        wake_all(wake);
        s_->drop_sender();
    }

    // Ready(true): we now hold one reserved slot, and `on_slot()` ran under the same lock (a
    // send queues its value there: one lock for the whole send). Ready(false): the receiver is
    // closed.
    template <class OnSlot>
    af::poll<bool> poll_slot(context& cx, OnSlot on_slot) {
        std::lock_guard lk(s_->m);
        if (node_.granted) {
            node_.granted = false;  // the slot is the caller's now
            settled_ = true;
            on_slot();
            return true;
        }
        if (s_->rx_closed) {
            s_->waiters.remove(node_);
            settled_ = true;
            return false;
        }
        if (!node_.linked) {
            if (s_->waiters.empty() && s_->has_slot()) {
                ++s_->reserved;
                settled_ = true;
                on_slot();
                return true;
            }
            s_->waiters.push_back(node_);
        }
        settled_ = false;
        node_.set_waker(cx.waker());
        return pending;
    }
    af::poll<bool> poll_slot(context& cx) {
        return poll_slot(cx, [] {});
    }

    const std::shared_ptr<state<T>>& shared() const noexcept { return s_; }

private:
    std::shared_ptr<state<T>> s_;
    af::detail::channel_waiter node_;
    bool settled_ = true;  // false while linked or possibly granted a slot (owner-only flag)
};

}  // namespace detail

template <class T>
class sender;

/// A reserved slot: `send(v)` cannot fail for lack of capacity. Dropping an unused permit gives
/// the slot back (to the first waiting sender, if any). Counts as a sender while alive.
template <class T>
class [[nodiscard("a permit holds a channel slot until it is used or dropped")]] permit {
public:
    permit(permit&& o) noexcept : s_(std::move(o.s_)) {}
    permit& operator=(permit&&) = delete;
    ~permit() {
        if (!s_) return;
        detail::wake_list wake;
        {
            std::lock_guard lk(s_->m);
            --s_->reserved;
            s_->free_slot(wake);
        }
        detail::wake_all(wake);
        std::exchange(s_, nullptr)->drop_sender();
    }

    /// Queues `v` in the reserved slot and wakes the receiver. If the receiver was dropped
    /// meanwhile, `v` is destroyed. Consumes the permit.
    void send(T v) {
        assert(s_ && "af::channel::mpsc::permit::send called twice");
        detail::wake_list wake;
        std::optional<T> discarded;
        {
            std::lock_guard lk(s_->m);
            s_->push_reserved(std::move(v), wake, discarded);
        }
        detail::wake_all(wake);
        std::exchange(s_, nullptr)->drop_sender();
    }

private:
    template <class>
    friend class reserve_future;
    explicit permit(std::shared_ptr<detail::state<T>> s) : s_(std::move(s)) { s_->add_sender(); }
    std::shared_ptr<detail::state<T>> s_;
};

/// The future made by `sender::reserve()`: a `permit`, or `std::nullopt` when the receiver is
/// closed.
template <class T>
class [[nodiscard("a future does nothing until it is awaited")]] reserve_future {
public:
    using output = std::optional<permit<T>>;
    explicit reserve_future(std::shared_ptr<detail::state<T>> s) : w_(std::move(s)) {}

    af::poll<output> poll(context& cx) {
        af::poll<bool> p = w_.poll_slot(cx);
        if (p.is_pending()) return pending;
        if (!p.value()) return output();
        // The slot moves from this future to the permit; the permit counts as a sender itself.
        return af::poll<output>(std::in_place, permit<T>(w_.shared()));
    }

private:
    detail::slot_waiter<T> w_;
};

/// The future made by `sender::send(v)`: `send_result<T>` (sent, or closed with `v` back).
template <class T>
class [[nodiscard("a send does nothing until it is awaited")]] send_future {
public:
    using output = send_result<T>;
    send_future(std::shared_ptr<detail::state<T>> s, T v) : w_(std::move(s)), value_(std::move(v)) {}

    af::poll<output> poll(context& cx) {
        assert(value_ && "af::channel::mpsc::send_future polled after it completed");
        detail::wake_list wake;
        std::optional<T> discarded;  // destroyed after the lock
        af::poll<bool> p = w_.poll_slot(cx, [&] {
            w_.shared()->push_reserved(std::move(*value_), wake, discarded);
            value_.reset();
        });
        if (p.is_pending()) return pending;
        detail::wake_all(wake);
        if (!p.value()) {
            T v = std::move(*value_);
            value_.reset();
            return output::failed(send_status::closed, std::move(v));
        }
        return output::ok();
    }

private:
    detail::slot_waiter<T> w_;
    std::optional<T> value_;
};

/// A sending handle. Copy it to get more senders; the receiver ends once all are gone.
template <class T>
class sender {
public:
    explicit sender(std::shared_ptr<detail::state<T>> s) : s_(std::move(s)) { s_->add_sender(); }
    sender(const sender& o) : s_(o.s_) { s_->add_sender(); }
    sender(sender&& o) noexcept : s_(std::move(o.s_)), sink_(std::move(o.sink_)) {}
    sender& operator=(sender o) noexcept {
        std::swap(s_, o.s_);
        std::swap(sink_, o.sink_);
        return *this;
    }
    ~sender() {
        // A handle closed as a sink already gave up its place among the senders.
        if (s_ && !(sink_ && sink_->closed)) s_->drop_sender();
    }

    /// Waits for capacity, then queues `v`. Output: `send_result<T>`, `closed` with `v` handed
    /// back when the receiver is closed or gone.
    ///
    /// Cancellation: dropping the future before it completes drops `v` and leaves the line of
    /// waiting senders; a slot already handed to it passes to the next waiter. Nothing is sent.
    /// Resumes on: the thread that polls it, woken by the receiver that freed a slot.
    send_future<T> send(T v) const { return send_future<T>(s_, std::move(v)); }

    /// Queues `v` if there is a free slot right now and no sender is waiting; never suspends.
    /// Fails with `full` or `closed`, handing `v` back.
    send_result<T> try_send(T v) const {
        detail::wake_list wake;
        {
            std::lock_guard lk(s_->m);
            if (s_->rx_closed) return send_result<T>::failed(send_status::closed, std::move(v));
            if (!s_->waiters.empty() || !s_->has_slot()) return send_result<T>::failed(send_status::full, std::move(v));
            s_->queue.push_back(std::move(v));
            s_->take_rx_waker(wake);
        }
        detail::wake_all(wake);
        return send_result<T>::ok();
    }

    /// Waits for a slot and holds it as a `permit` (`std::nullopt` if the receiver is closed).
    /// Cancellation: as for `send`; no slot is kept by a dropped future.
    reserve_future<T> reserve() const { return reserve_future<T>(s_); }

    /// True once the receiver is closed or dropped.
    bool is_closed() const {
        std::lock_guard lk(s_->m);
        return s_->rx_closed;
    }

    /// Sink protocol: ready once this handle holds a slot (waiting in the same FIFO line as
    /// `send` and `reserve`); the slot stays held, even across repeated calls, until
    /// `start_send`. Throws `af::sink_closed_error` when the receiver is closed or dropped, or
    /// after `poll_close`. The slot state belongs to this handle: a copy starts without it.
    af::poll<void> poll_ready(context& cx) {
        if (!sink_) sink_ = std::make_unique<sink_state>();
        if (sink_->closed) throw af::sink_closed_error();
        if (sink_->slot) return {};
        if (!sink_->reserving) sink_->reserving.emplace(s_);
        af::poll<std::optional<permit<T>>> p = sink_->reserving->poll(cx);
        if (p.is_pending()) return pending;
        sink_->reserving.reset();
        if (!p.value()) throw af::sink_closed_error();
        sink_->slot.emplace(std::move(*p.value()));
        return {};
    }

    /// Sink protocol: queues `v` in the slot taken by `poll_ready` (as `permit::send`: if the
    /// receiver was dropped since, `v` is destroyed). Never fails for lack of capacity.
    void start_send(T v) {
        assert(sink_ && sink_->slot &&
               "af::channel::mpsc::sender::start_send without a ready poll_ready");
        sink_->slot->send(std::move(v));
        sink_->slot.reset();
    }

    /// Sink protocol: always ready; a value is in the channel once `start_send` returns.
    af::poll<void> poll_flush(context&) noexcept { return {}; }

    /// Sink protocol: gives back a held slot and makes this handle stop counting as a sender
    /// (the receiver ends once the other senders are gone too); later `poll_ready` throws
    /// `af::sink_closed_error`. `send`, `try_send` and `reserve` keep working. Always ready.
    af::poll<void> poll_close(context&) {
        if (!sink_) sink_ = std::make_unique<sink_state>();
        if (!sink_->closed) {
            sink_->closed = true;
            sink_->slot.reset();
            sink_->reserving.reset();
            s_->drop_sender();
        }
        return {};
    }

private:
    // Only handles used as sinks allocate it; on the heap so that the sender stays movable
    // while a reserve future (which must not move once polled) waits inside it.
    struct sink_state {
        std::optional<reserve_future<T>> reserving;
        std::optional<permit<T>> slot;
        bool closed = false;
    };

    std::shared_ptr<detail::state<T>> s_;
    std::unique_ptr<sink_state> sink_;
};

/// The receiving handle: an `af::stream` of `T` that ends when all senders are gone.
/// Move-only. Thread safety: one task receives at a time.
template <class T>
class receiver {
public:
    using item = T;

    /// The future made by `recv()`: the next value, or `std::nullopt` at the end.
    /// Cancellation: dropping it loses no value (values stay queued until a poll takes one).
    class [[nodiscard("a future does nothing until it is awaited")]] recv_future {
    public:
        using output = std::optional<T>;
        explicit recv_future(receiver& r) noexcept : r_(&r) {}
        af::poll<output> poll(context& cx) { return r_->poll_next(cx); }

    private:
        receiver* r_;
    };

    explicit receiver(std::shared_ptr<detail::state<T>> s) noexcept : s_(std::move(s)) {}
    receiver(receiver&&) noexcept = default;
    receiver& operator=(receiver&&) = delete;
    ~receiver() {
        if (!s_) return;
        detail::wake_list wake;
        std::deque<T> dropped;  // destroyed after the lock
        {
            std::lock_guard lk(s_->m);
            s_->rx_closed = true;
            s_->rx_dropped = true;
            dropped.swap(s_->queue);
            s_->rx_waker.reset();
            s_->waiters.drain(wake);
        }
        detail::wake_all(wake);
    }

    /// Stream protocol: the next value, `std::nullopt` at the end, or pending (the waker is kept).
    af::poll<std::optional<T>> poll_next(context& cx) {
        // A receiver that always has a message would never yield: spend the task's budget.
        if (!coop::poll_proceed(cx)) return pending;
        detail::wake_list wake;
        af::poll<std::optional<T>> result = pending;
        {
            std::lock_guard lk(s_->m);
            if (!s_->queue.empty()) {
                result = af::poll<std::optional<T>>(std::in_place, std::move(s_->queue.front()));
                s_->queue.pop_front();
                s_->free_slot(wake);
            } else if (s_->receiver_should_end()) {
                result = af::poll<std::optional<T>>(std::in_place, std::nullopt);
            } else if (!s_->rx_waker || !s_->rx_waker->will_wake(cx.waker())) {
                s_->rx_waker.emplace(cx.waker());
            }
        }
        detail::wake_all(wake);
        return result;
    }

    /// Awaits the next value; `std::nullopt` once all senders are gone and the queue is drained
    /// (or, after `close()`, once the queue and outstanding permits are drained).
    recv_future recv() noexcept { return recv_future(*this); }

    /// Makes every current and future send fail with `closed`; wakes waiting senders. Values
    /// already queued stay receivable.
    void close() {
        detail::wake_list wake;
        {
            std::lock_guard lk(s_->m);
            s_->rx_closed = true;
            s_->waiters.drain(wake);
        }
        detail::wake_all(wake);
    }

private:
    std::shared_ptr<detail::state<T>> s_;
};

/// A channel with room for `capacity` queued values (at least 1).
template <class T>
std::pair<sender<T>, receiver<T>> bounded(std::size_t capacity) {
    assert(capacity > 0 && "af::channel::mpsc::bounded: capacity must be at least 1");
    auto s = std::make_shared<detail::state<T>>(capacity);
    return {sender<T>(s), receiver<T>(s)};
}

/// A channel whose senders never wait.
template <class T>
std::pair<sender<T>, receiver<T>> unbounded() {
    auto s = std::make_shared<detail::state<T>>(std::numeric_limits<std::size_t>::max());
    return {sender<T>(s), receiver<T>(s)};
}

}  // namespace af::channel::mpsc

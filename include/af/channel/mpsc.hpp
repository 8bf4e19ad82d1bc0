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
/// Without waiting: `tx.try_send(v)` (a `send_result`: `full` or `closed` hands `v` back),
/// `tx.try_reserve()` (a permit, or `full` / `closed`) and `rx.try_recv()` (a `recv_result`:
/// `empty` while a sender may still send, `closed` once none will). In batches:
/// `co_await rx.recv_many(buf, 64)` appends up to 64 queued values at once. From a thread that
/// is not running af tasks: `tx.blocking_send(v)` and `rx.blocking_recv()` (they refuse, with a
/// `std::logic_error`, on a thread where a runtime is polling a task).
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
/// Thread safety, the rule of every af channel: distinct handles may be used from different threads
/// at once, and so may the `const` members of one handle; its other members need the handle to
/// themselves (one thread at a time). Here a sender's `send`, `try_send`, `reserve`, `try_reserve`,
/// `blocking_send`, `capacity`, `is_closed` and copying are `const`: one sender may send from
/// several threads at once, and a copy per thread works too. Its sink protocol (`poll_ready`,
/// `start_send`, `poll_close`) is not: a sender used as a sink belongs to one task. The receiver's
/// members are not `const`: one task receives at a time. The queue is lock-free: a sender claims a
/// slot with one atomic increment and the receiver reads slots in order; capacity is an atomic
/// count of free slots. The channel's mutex guards only the line of waiting senders: it is taken by
/// a sender that finds no free slot, by a waiting send that is dropped, and by a freed slot handed
/// to a waiter. The receiver's waker is an `af::atomic_waker`, woken only by the send that fills
/// the slot the receiver waits for (a receiver that is running or already woken costs a send no
/// read-modify-write). No lock is held while a waker runs or a value is destroyed. Memory: blocks
/// of 32 slots, allocated as the queue grows (one freed block is kept for reuse); running out of
/// memory there terminates, since a claimed slot cannot be given back. A send whose value's move
/// constructor throws rethrows and sends nothing. Design note: docs/design/0009-lock-free-mpsc.md;
/// book chapter "Channels".
#include <atomic>     // the handle counts, the receiver-dropped flag
#include <cassert>    // handle misuse
#include <cstddef>    // std::size_t
#include <memory>     // std::unique_ptr for the sink state
#include <optional>   // values and permits
#include <stdexcept>  // std::logic_error: a blocking call on a runtime's worker
#include <string>     // its message
#include <utility>    // std::pair, std::move, std::exchange
#include <vector>     // recv_many's output

#include "af/channel/detail/mpsc_block_queue.hpp"
#include "af/channel/detail/mpsc_capacity.hpp"
#include "af/channel/error.hpp"
#include "af/core/atomic_waker.hpp"
#include "af/core/coop.hpp"
#include "af/core/future.hpp"
#include "af/detail/sync.hpp"  // rx_parked_at (model-checked: tests/model/mpsc_wake_model.cpp)
#include "af/executor/block_on.hpp"  // blocking_send, blocking_recv
#include "af/sink/error.hpp"  // the sink members throw af::closed_error

namespace af::channel::mpsc {

namespace detail {

// blocking_send / blocking_recv park the calling thread; on a thread where a runtime is polling
// a task that would stall the worker (and deadlock if the other side runs on it).
inline void refuse_blocking_in_task(const char* what) {
    if (!af::coop::in_task_poll()) return;
    throw std::logic_error(std::string("af::channel::mpsc::") + what +
                           " called from a task that an af runtime is polling; blocking would stall the "
                           "worker thread: co_await the async form instead, or call it from "
                           "af::rt::spawn_blocking or a thread of your own");
}

// The shared state, reference-counted by hand: one word counts the sender-side handles (senders,
// live send/reserve futures, permits) and the receiver, so that making or dropping a send future
// is one atomic operation and the receiver can read "no senders left" from the same word.
template <class T>
struct state {
    explicit state(std::size_t cap) : capacity(cap) {}

    af::detail::mpsc_block_queue<T> queue;
    af::detail::mpsc_capacity capacity;
    // senders * 4 | waking (2) | receiver alive (1). `waking` keeps the state alive while the
    // last sender wakes the receiver (which may be dropped on another thread meanwhile).
    alignas(64) std::atomic<std::size_t> refs{receiver_ref};
    std::atomic<bool> rx_dropped{false};  // values sent through held slots are then discarded
    alignas(64) af::atomic_waker rx_waker;
    // The queue index the receiver waits for, stored (seq_cst) after it registers its waker and
    // before its last look; a send wakes the receiver only when it filled that very slot. A
    // receiver that has not reached a slot will see it without a wake-up: it parks only after
    // storing its index and looking again, and the store-then-load pairs (this word against the
    // queue's ready bits, all seq_cst) cannot both miss (ADR 0009, "Waking the receiver").
    af::detail::sync::atomic<std::size_t> rx_parked_at{std::size_t(-1)};

    static constexpr std::size_t receiver_ref = 1;
    static constexpr std::size_t waking_ref = 2;
    static constexpr std::size_t sender_ref = 4;

    void add_sender() noexcept {
        // Relaxed: a new sender is made from an existing one (or with the channel), which keeps
        // the count above zero meanwhile.
        refs.fetch_add(sender_ref, std::memory_order_relaxed);
    }

    void drop_sender() {
        // Relaxed: only a starting guess for the CAS.
        std::size_t v = refs.load(std::memory_order_relaxed);
        for (;;) {
            if ((v >> 2) != 1) {
                // AcqRel: the last drop must see every send, and the receiver (acquire in
                // no_senders) this one.
                if (refs.compare_exchange_weak(v, v - sender_ref, std::memory_order_acq_rel, std::memory_order_relaxed)) return;
            } else if (!(v & receiver_ref)) {
                // AcqRel: everything done through the channel happens before the delete.
                if (refs.compare_exchange_weak(v, v - sender_ref, std::memory_order_acq_rel, std::memory_order_relaxed)) {
                    if (v == sender_ref) delete this;  // (v cannot carry waking_ref: we are the last)
                    return;
                }
            } else if (refs.compare_exchange_weak(v, (v - sender_ref) | waking_ref, std::memory_order_acq_rel,
                                                  std::memory_order_relaxed)) {
                // The last sender: the receiver may be waiting for the end of the stream.
                rx_waker.wake();
                // AcqRel: if the receiver left meanwhile, its drop happens before our delete.
                if (refs.fetch_and(~waking_ref, std::memory_order_acq_rel) == waking_ref) delete this;
                return;
            }
        }
    }

    void drop_receiver() {
        // AcqRel: as in drop_sender.
        if (refs.fetch_sub(receiver_ref, std::memory_order_acq_rel) == receiver_ref) delete this;
    }

    bool no_senders() const noexcept {
        // Acquire: pairs with drop_sender, so every value sent before is in the queue.
        return (refs.load(std::memory_order_acquire) >> 2) == 0;
    }

    // Called with a slot held: queues `v` and wakes the receiver, or discards `v` (after the
    // caller's scope, under no lock) when the receiver is gone.
    void send_held(T&& v) {
        // Acquire: pairs with the receiver's release store before it drains the queue.
        if (rx_dropped.load(std::memory_order_acquire)) {
            capacity.release(1);
            return;
        }
        struct wake_on_throw {
            state* s;
            bool armed = true;
            ~wake_on_throw() {
                if (armed) s->rx_waker.wake();  // a skipped slot: the receiver may wait on it
            }
        } on_throw{this};
        std::size_t idx = queue.push(std::move(v));
        on_throw.armed = false;
        // Seq_cst: after the ready bit in the total order (see rx_parked_at).
        if (rx_parked_at.load() == idx) rx_waker.wake();
    }

    // The receiver is about to return pending: say which slot it waits for. Its caller then
    // looks at the queue once more.
    void park_receiver() noexcept { rx_parked_at.store(queue.next_index()); }  // seq_cst: as above

    // A held slot goes back unused (dropped permit, cancelled granted send).
    void give_back_slot() {
        // After close(), the last slot coming back may be the end of the stream.
        if (capacity.release(1)) rx_waker.wake();
    }
};

// Waits for a slot in FIFO order; the common part of send() and reserve(). Counts as a sender
// while alive. Not movable once polled (its waiter node may be linked into the channel).
template <class T>
class slot_waiter {
public:
    explicit slot_waiter(state<T>* s) noexcept : s_(s) { s_->add_sender(); }
    slot_waiter(slot_waiter&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {
        assert(!o.waiting_ && "af::channel::mpsc: a send/reserve future was moved after it was polled");
    }
    slot_waiter& operator=(slot_waiter&&) = delete;
    ~slot_waiter() {
        if (!s_) return;
        // Cancelled after a slot was granted to us but before we used it: pass it on.
        if (waiting_ && s_->capacity.cancel(node_)) s_->give_back_slot();
        s_->drop_sender();
    }

    // Ready(true): the caller now holds one slot. Ready(false): the receiver is closed.
    af::poll<bool> poll_slot(context& cx) {
        if (!waiting_) {
            switch (s_->capacity.try_take()) {
            case af::detail::mpsc_capacity::take_result::taken:
                return true;
            case af::detail::mpsc_capacity::take_result::closed:
                return false;
            case af::detail::mpsc_capacity::take_result::full:
                break;
            }
        }
        return s_->capacity.poll_take(node_, waiting_, cx);
    }

    state<T>* shared() const noexcept { return s_; }

private:
    state<T>* s_;
    af::detail::channel_waiter node_;
    bool waiting_ = false;  // in line, or taken out of it (granted or closed) and not polled yet
};

}  // namespace detail

template <class T>
class sender;

/// A reserved slot: `send(v)` cannot fail for lack of capacity. Dropping an unused permit gives
/// the slot back (to the first waiting sender, if any). Counts as a sender while alive.
template <class T>
class [[nodiscard("a permit holds a channel slot until it is used or dropped")]] permit {
public:
    permit(permit&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    /// Gives back the slot this permit held (as its destructor would), then takes `o`'s.
    permit& operator=(permit&& o) noexcept {
        if (this != &o) {
            release();
            s_ = std::exchange(o.s_, nullptr);
        }
        return *this;
    }
    ~permit() { release(); }

    /// Queues `v` in the reserved slot and wakes the receiver. If the receiver was dropped
    /// meanwhile, `v` is destroyed. Consumes the permit.
    void send(T v) {
        assert(s_ && "af::channel::mpsc::permit::send called twice");
        struct drop_on_exit {
            detail::state<T>* s;
            ~drop_on_exit() { s->drop_sender(); }  // also when moving `v` in throws
        } held{std::exchange(s_, nullptr)};
        held.s->send_held(std::move(v));
    }

private:
    template <class>
    friend class reserve_future;
    friend class sender<T>;  // try_reserve
    explicit permit(detail::state<T>* s) noexcept : s_(s) { s_->add_sender(); }
    void release() noexcept {
        if (!s_) return;
        detail::state<T>* s = std::exchange(s_, nullptr);
        s->give_back_slot();
        s->drop_sender();
    }
    detail::state<T>* s_;
};

/// The future made by `sender::reserve()`: a `permit`, or `std::nullopt` when the receiver is
/// closed.
template <class T>
class [[nodiscard("a future does nothing until it is awaited")]] reserve_future {
public:
    using output = std::optional<permit<T>>;
    explicit reserve_future(detail::state<T>* s) noexcept : w_(s) {}

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

/// The outcome of `sender::try_reserve()`: true when it holds a `permit`; otherwise `status()`
/// says `full` or `closed`.
template <class T>
class [[nodiscard("a reserve result may hold a permit, which holds a slot until dropped")]] try_reserve_result {
public:
    /// `sent` when it holds a permit (a slot is taken; nothing is sent yet), else `full` or `closed`.
    send_status status() const noexcept { return status_; }
    bool is_full() const noexcept { return status_ == send_status::full; }
    bool is_closed() const noexcept { return status_ == send_status::closed; }
    explicit operator bool() const noexcept { return permit_.has_value(); }
    permit<T>& operator*() noexcept {
        assert(permit_ && "af::channel::mpsc::try_reserve_result: no permit; check the result first");
        return *permit_;
    }
    permit<T>* operator->() noexcept { return &**this; }
    /// Moves the permit out. Only when the result holds one.
    permit<T> take_permit() { return std::move(**this); }

private:
    friend class sender<T>;
    explicit try_reserve_result(send_status s) noexcept : status_(s) {}
    explicit try_reserve_result(permit<T> p) noexcept : status_(send_status::sent), permit_(std::move(p)) {}
    send_status status_;
    std::optional<permit<T>> permit_;
};

/// The future made by `sender::send(v)`: `send_result<T>` (sent, or closed with `v` back).
template <class T>
class [[nodiscard("a send does nothing until it is awaited")]] send_future {
public:
    using output = send_result<T>;
    send_future(detail::state<T>* s, T v) : w_(s), value_(std::move(v)) {}

    af::poll<output> poll(context& cx) {
        assert(value_ && "af::channel::mpsc::send_future polled after it completed");
        af::poll<bool> p = w_.poll_slot(cx);
        if (p.is_pending()) return pending;
        T v = std::move(*value_);
        value_.reset();
        if (!p.value()) return output::failed(send_status::closed, std::move(v));
        w_.shared()->send_held(std::move(v));
        return output::ok();
    }

private:
    detail::slot_waiter<T> w_;
    std::optional<T> value_;
};

/// A sending handle. Copy it to get more senders; the receiver ends once all are gone.
/// Thread safety: `send`, `try_send`, `reserve`, `try_reserve`, `blocking_send`, `capacity`,
/// `is_closed` and copying may run on several threads at once; the sink protocol, assignment and
/// destruction need the handle to themselves.
template <class T>
class sender {
public:
    explicit sender(detail::state<T>* s) noexcept : s_(s) { s_->add_sender(); }
    sender(const sender& o) noexcept : s_(o.s_) { s_->add_sender(); }
    sender(sender&& o) noexcept
        : s_(std::exchange(o.s_, nullptr)), sink_(std::move(o.sink_)), closed_as_sink_(o.closed_as_sink_) {}
    sender& operator=(sender o) noexcept {
        std::swap(s_, o.s_);
        std::swap(sink_, o.sink_);
        std::swap(closed_as_sink_, o.closed_as_sink_);
        return *this;
    }
    ~sender() {
        sink_.reset();  // a held slot or a waiting reserve goes first (they refer to the state)
        // A handle closed as a sink already gave up its place among the senders.
        if (s_ && !closed_as_sink_) s_->drop_sender();
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
        switch (s_->capacity.try_take()) {
        case af::detail::mpsc_capacity::take_result::closed:
            return send_result<T>::failed(send_status::closed, std::move(v));
        case af::detail::mpsc_capacity::take_result::full:
            return send_result<T>::failed(send_status::full, std::move(v));
        case af::detail::mpsc_capacity::take_result::taken:
            break;
        }
        s_->send_held(std::move(v));
        return send_result<T>::ok();
    }

    /// Waits for a slot and holds it as a `permit` (`std::nullopt` if the receiver is closed).
    /// Cancellation: as for `send`; no slot is kept by a dropped future.
    reserve_future<T> reserve() const { return reserve_future<T>(s_); }

    /// Takes a slot as a `permit` if one is free right now and no sender is waiting; never
    /// suspends. Otherwise the result says `full` or `closed`.
    try_reserve_result<T> try_reserve() const {
        switch (s_->capacity.try_take()) {
        case af::detail::mpsc_capacity::take_result::closed:
            return try_reserve_result<T>(send_status::closed);
        case af::detail::mpsc_capacity::take_result::full:
            return try_reserve_result<T>(send_status::full);
        case af::detail::mpsc_capacity::take_result::taken:
            break;
        }
        return try_reserve_result<T>(permit<T>(s_));  // the taken slot moves into the permit
    }

    /// Sends from a thread that is not running af tasks: parks the thread until there is
    /// capacity, like `af::block_on(send(v))`. Same result as `send`.
    /// Errors: `std::logic_error` when an af runtime is polling a task on this thread (blocking
    /// would stall its worker; `co_await send(v)` there, or block on `af::rt::spawn_blocking`).
    send_result<T> blocking_send(T v) const {
        detail::refuse_blocking_in_task("sender::blocking_send");
        return af::block_on(send(std::move(v)));
    }

    /// Free slots right now: `max_capacity()` minus queued values, held permits and slots
    /// granted to waiting senders. A snapshot: other threads may change it at once. On an
    /// unbounded channel it stays near `max_capacity()`.
    std::size_t capacity() const noexcept { return s_->capacity.free(); }

    /// The capacity the channel was made with (`bounded(n)`: n). An unbounded channel reports
    /// `af::detail::mpsc_capacity::max_slots`, a number no queue reaches.
    std::size_t max_capacity() const noexcept { return s_->capacity.max(); }

    /// True once the receiver is closed or dropped.
    bool is_closed() const noexcept { return s_->capacity.is_closed(); }

    /// Sink protocol: ready once this handle holds a slot (waiting in the same FIFO line as
    /// `send` and `reserve`); the slot stays held, even across repeated calls, until
    /// `start_send`. Throws `af::closed_error` when the receiver is closed or dropped, or
    /// after `poll_close`. The slot state belongs to this handle: a copy starts without it.
    af::poll<void> poll_ready(context& cx) {
        if (closed_as_sink_) throw af::closed_error("sink closed");
        if (!sink_) sink_ = std::make_unique<sink_state>();
        if (sink_->slot) return {};
        if (!sink_->reserving) sink_->reserving.emplace(s_);
        af::poll<std::optional<permit<T>>> p = sink_->reserving->poll(cx);
        if (p.is_pending()) return pending;
        sink_->reserving.reset();
        if (!p.value()) throw af::closed_error("sink closed");
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
    /// `af::closed_error`. `send`, `try_send` and `reserve` keep working. Always ready.
    af::poll<void> poll_close(context&) {
        if (!closed_as_sink_) {
            closed_as_sink_ = true;
            // The held slot and waiting reserve count as senders themselves: the state stays.
            sink_.reset();
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
    };

    detail::state<T>* s_;
    std::unique_ptr<sink_state> sink_;
    bool closed_as_sink_ = false;
};

/// The receiving handle: an `af::stream` of `T` that ends when all senders are gone.
/// Move-only. Thread safety: no member is `const`, so one task receives at a time.
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

    /// The future made by `recv_many(out, limit)`: how many values it appended to `out`.
    /// Not movable once polled.
    class [[nodiscard("a future does nothing until it is awaited")]] recv_many_future {
    public:
        using output = std::size_t;
        recv_many_future(receiver& r, std::vector<T>& out, std::size_t limit) noexcept
            : r_(&r), out_(&out), limit_(limit) {}
        recv_many_future(recv_many_future&& o) noexcept
            : r_(o.r_), out_(o.out_), limit_(o.limit_), waiting_(std::exchange(o.waiting_, false)) {}
        recv_many_future& operator=(recv_many_future&&) = delete;
        // A future dropped while it waited leaves no waker behind in the channel.
        ~recv_many_future() {
            if (waiting_ && r_->s_) r_->s_->rx_waker.take();
        }
        af::poll<std::size_t> poll(context& cx) {
            af::poll<std::size_t> p = r_->poll_recv_many(cx, *out_, limit_);
            waiting_ = p.is_pending();
            return p;
        }

    private:
        receiver* r_;
        std::vector<T>* out_;
        std::size_t limit_;
        bool waiting_ = false;
    };

    explicit receiver(detail::state<T>* s) noexcept : s_(s) {}
    receiver(receiver&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    /// Closes the channel this receiver had and drops its queued values (as its destructor
    /// would), then takes `o`'s.
    receiver& operator=(receiver&& o) noexcept {
        if (this != &o) {
            release();
            s_ = std::exchange(o.s_, nullptr);
        }
        return *this;
    }
    ~receiver() { release(); }

    /// Stream protocol: the next value, `std::nullopt` at the end, or pending (the waker is kept).
    af::poll<std::optional<T>> poll_next(context& cx) {
        // A receiver that always has a message would never yield: spend the task's budget.
        if (!coop::poll_proceed(cx)) return pending;
        af::poll<std::optional<T>> r = try_next();
        if (r.is_ready()) return r;
        // Register, say which slot we wait for, then look again: a send that fills that slot
        // either sees our index (and wakes the waker registered before it) or is seen by the
        // second look (the state's rx_parked_at).
        s_->rx_waker.register_waker(cx.waker());
#ifdef AF_MODEL_PLANT_MPSC_WAKE
        // The index stored after the last look: a send in between wakes nobody (the model test).
        af::poll<std::optional<T>> last = try_next();
        s_->park_receiver();
        return last;
#else
        s_->park_receiver();
        return try_next();
#endif
    }

    /// Awaits the next value; `std::nullopt` once all senders are gone and the queue is drained
    /// (or, after `close()`, once the queue and outstanding permits are drained).
    recv_future recv() noexcept { return recv_future(*this); }

    /// The next value if one is queued; never suspends and spends no coop budget. `empty` while
    /// a sender (or a permit, or a waiting send) may still send; `closed` once the stream has
    /// ended (the same moment `recv()` gives `std::nullopt`).
    recv_result<T> try_recv() {
        af::poll<std::optional<T>> p = try_next();
        if (p.is_pending()) return recv_result<T>::empty();
        std::optional<T>& v = p.value();
        if (!v) return recv_result<T>::closed();
        return recv_result<T>::received(std::move(*v));
    }

    /// Awaits at least one value, then appends every queued value, up to `limit`, to `out`
    /// (nothing is cleared). Output: how many were appended; 0 only at the end of the stream,
    /// or at once when `limit` is 0. One wake-up and one slot release per batch instead of per
    /// value.
    /// Cancellation: dropping the future loses no value (values leave the queue only in the poll
    /// that returns them) and drops the waker it registered.
    /// Resumes on: the thread that polls it, woken by a sender's thread.
    /// Errors: if appending to `out` throws (`bad_alloc`), the value being appended is lost;
    /// the ones appended before stay in `out`.
    recv_many_future recv_many(std::vector<T>& out, std::size_t limit) noexcept {
        return recv_many_future(*this, out, limit);
    }

    /// The poll behind `recv_many`.
    af::poll<std::size_t> poll_recv_many(context& cx, std::vector<T>& out, std::size_t limit) {
        if (limit == 0) return std::size_t(0);
        // One budget unit per batch: the batch is one wake-up's worth of work.
        if (!coop::poll_proceed(cx)) return pending;
        af::poll<std::size_t> r = try_many(out, limit);
        if (r.is_ready()) return r;
        s_->rx_waker.register_waker(cx.waker());  // then look again, as in poll_next
        s_->park_receiver();
        return try_many(out, limit);
    }

    /// Receives from a thread that is not running af tasks: parks the thread until a value
    /// comes or the stream ends, like `af::block_on(recv())`.
    /// Errors: `std::logic_error` when an af runtime is polling a task on this thread (blocking
    /// would stall its worker; `co_await recv()` there).
    std::optional<T> blocking_recv() {
        detail::refuse_blocking_in_task("receiver::blocking_recv");
        return af::block_on(recv());
    }

    /// Free slots right now (see `sender::capacity`).
    std::size_t capacity() const noexcept { return s_->capacity.free(); }
    /// The capacity the channel was made with (see `sender::max_capacity`).
    std::size_t max_capacity() const noexcept { return s_->capacity.max(); }

    /// Makes every current and future send fail with `closed`; wakes waiting senders. Values
    /// already queued stay receivable.
    void close() { s_->capacity.close(); }

private:
    void release() noexcept {
        if (!s_) return;
        // Release: a sender that sees the flag discards its value instead of queueing it.
        s_->rx_dropped.store(true, std::memory_order_release);
        s_->capacity.close();  // wakes the waiting senders
        // Values queued now are destroyed here; one queued by a racing sender after this goes
        // with the state. The slots need not come back: nobody can take one any more.
        s_->queue.drain();
        s_->rx_waker.take();  // the task's waker is not kept alive by the senders
        std::exchange(s_, nullptr)->drop_receiver();
    }

    // Gives back the slots a pop used up, even if moving the value out throws.
    struct slot_return {
        detail::state<T>* s;
        std::size_t n = 0;
        ~slot_return() {
            if (n) s->capacity.release(n);
        }
    };

    af::poll<std::optional<T>> try_next() {
        slot_return freed{s_};
        if (std::optional<T> v = s_->queue.pop(freed.n)) return af::poll<std::optional<T>>(std::in_place, std::move(v));
        bool ended = s_->no_senders() || (s_->capacity.is_closed() && s_->capacity.all_free());
        if (!ended) return pending;
        // Look once more: a value sent before the last sender left is visible now.
        if (std::optional<T> v = s_->queue.pop(freed.n)) return af::poll<std::optional<T>>(std::in_place, std::move(v));
        return af::poll<std::optional<T>>(std::in_place, std::nullopt);
    }

    // Pops up to `limit` values into `out`; the slots go back in one release at the end.
    std::size_t pop_into(std::vector<T>& out, std::size_t limit) {
        slot_return freed{s_};
        std::size_t n = 0;
        while (n < limit) {
            std::optional<T> v = s_->queue.pop(freed.n);
            if (!v) break;
            out.push_back(std::move(*v));
            ++n;
        }
        return n;
    }

    af::poll<std::size_t> try_many(std::vector<T>& out, std::size_t limit) {
        if (std::size_t n = pop_into(out, limit)) return n;
        bool ended = s_->no_senders() || (s_->capacity.is_closed() && s_->capacity.all_free());
        if (!ended) return pending;
        return pop_into(out, limit);  // as in try_next: a value sent before the end; 0 = the end
    }

    detail::state<T>* s_;
};

/// A channel with room for `capacity` queued values (at least 1).
template <class T>
std::pair<sender<T>, receiver<T>> bounded(std::size_t capacity) {
    assert(capacity > 0 && "af::channel::mpsc::bounded: capacity must be at least 1");
    assert(capacity <= af::detail::mpsc_capacity::max_slots && "af::channel::mpsc::bounded: capacity too large");
    auto* s = new detail::state<T>(capacity);
    return {sender<T>(s), receiver<T>(s)};
}

/// A channel whose senders never wait.
template <class T>
std::pair<sender<T>, receiver<T>> unbounded() {
    auto* s = new detail::state<T>(af::detail::mpsc_capacity::max_slots);
    return {sender<T>(s), receiver<T>(s)};
}

}  // namespace af::channel::mpsc

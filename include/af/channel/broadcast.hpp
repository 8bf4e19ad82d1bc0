// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::channel::broadcast`: many senders, many receivers; every receiver sees every value sent
/// after it subscribed.
///
///     auto [tx, rx1] = af::channel::broadcast::channel<event>(64);
///     auto rx2 = tx.subscribe();
///     (void)tx.send(event{});                 // both rx1 and rx2 will get a copy
///     for (;;) {
///         af::channel::recv_result<event> r = co_await rx1.recv();
///         if (r.is_lagged()) { log("missed", r.missed()); continue; }
///         if (r.is_closed()) break;          // every sender is gone and rx1 has seen the rest
///         handle(r.take_value());
///     }
///
/// The channel keeps the last `n` values in a ring. A receiver that falls more than `n` values
/// behind has lost the oldest ones: its next receive is a `recv_result` that `is_lagged()` with
/// `missed()` set (an outcome under load, not a failure: nothing throws), and the receiver
/// continues from the oldest value still retained. The receiver is also an `af::stream` whose
/// items are `recv_result<T>` (a value or a lag) and which ends when the channel is closed.
///
/// Choosing: when only the latest value matters, `watch` is cheaper; when every value must reach
/// exactly one consumer, use `mpsc`. `T` must be copyable (each receiver gets its own copy).
///
/// A send never waits: it overwrites the oldest value instead (slow receivers lag, they do not
/// slow the sender). It says how many receivers will see the value (`receiver_count()`), and
/// fails (`closed`, value handed back) only when no receiver exists.
///
/// Thread safety, the rule of every af channel: distinct handles may be used from different
/// threads at once, and so may the `const` members of one handle; its other members need the
/// handle to themselves (one thread at a time). Here a sender's `send`, `subscribe`,
/// `receiver_count` and copying are `const`: one sender may send from several threads at once. A
/// receiver's receives are not: give each receiving thread its own receiver (`subscribe()` or
/// `resubscribe()`). One mutex per channel guards the ring and the list of waiting receivers; it
/// is held for one copy and O(woken receivers) list work, never while a waker runs. A lock-free
/// ring with per-slot sequence numbers is possible but would need per-slot reader counts for
/// non-trivial `T`; the lock keeps copying a `T` out of a slot obviously safe against a
/// concurrent overwrite. Error model: docs/design/0015-error-model.md; book chapter "Channels".
#include <cassert>      // handle misuse
#include <cstddef>      // std::size_t
#include <cstdint>      // sequence numbers
#include <memory>       // shared state, heap waiter node
#include <mutex>        // guards the state
#include <optional>     // ring slots, the end of the stream
#include <type_traits>  // std::is_copy_constructible_v
#include <utility>      // std::pair, std::move
#include <vector>       // the ring; wakers woken after the lock

#include "af/channel/detail/waiter_list.hpp"
#include "af/channel/error.hpp"  // recv_result, send_result
#include "af/core/coop.hpp"
#include "af/core/future.hpp"

namespace af::channel::broadcast {

namespace detail {
template <class T>
struct state {
    explicit state(std::size_t cap) : ring(cap) {}

    std::mutex m;
    std::vector<std::optional<T>> ring;
    std::uint64_t head = 0;  // sequence number of the next value sent
    std::size_t senders = 0;
    std::size_t receivers = 0;
    af::detail::channel_waiter_list waiters;

    std::uint64_t oldest() const noexcept { return head > ring.size() ? head - ring.size() : 0; }
};
}  // namespace detail

template <class T>
class receiver;

/// A sending handle; copyable. Receivers end once every sender is gone.
/// Thread safety: every member but assignment and destruction is `const` and may run on
/// several threads at once.
template <class T>
class sender {
    using state = detail::state<T>;

public:
    explicit sender(std::shared_ptr<state> s) : s_(std::move(s)) {
        std::lock_guard lk(s_->m);
        ++s_->senders;
    }
    sender(const sender& o) : sender(o.s_) {}
    sender(sender&& o) noexcept : s_(std::move(o.s_)) {}
    sender& operator=(sender o) noexcept {
        std::swap(s_, o.s_);
        return *this;
    }
    ~sender() {
        if (!s_) return;
        std::vector<waker> wake;
        {
            std::lock_guard lk(s_->m);
            if (--s_->senders == 0) s_->waiters.drain(wake);
        }
        for (waker& w : wake) std::move(w).wake();
    }

    /// Stores a copy of `v` for every current receiver and wakes the waiting ones. Never waits;
    /// overwrites the oldest retained value when the ring is full. Sent: `receiver_count()` on
    /// the result says how many receivers will see `v` (unless they are dropped first). Fails
    /// with `closed`, handing `v` back, when there are no receivers.
    send_result<T> send(T v) const {
        std::vector<waker> wake;
        std::optional<T> overwritten;  // destroyed after the lock
        std::size_t receivers = 0;
        {
            std::lock_guard lk(s_->m);
            if (s_->receivers == 0) return send_result<T>::failed(send_status::closed, std::move(v));
            std::optional<T>& slot = s_->ring[s_->head % s_->ring.size()];
            if (slot) overwritten.emplace(std::move(*slot));
            slot.reset();
            slot.emplace(std::move(v));
            ++s_->head;
            receivers = s_->receivers;
            s_->waiters.drain(wake);
        }
        for (waker& w : wake) std::move(w).wake();
        return send_result<T>::ok(receivers);
    }

    /// A new receiver that sees every value sent from now on.
    receiver<T> subscribe() const { return receiver<T>(s_); }

    /// How many receivers exist now.
    std::size_t receiver_count() const {
        std::lock_guard lk(s_->m);
        return s_->receivers;
    }

private:
    std::shared_ptr<state> s_;
};

/// A receiving handle, and an `af::stream` of `recv_result<T>` (a value or a lag) that ends
/// once the channel is closed. Move-only; get more with `sender.subscribe()` or `resubscribe()`.
/// Thread safety: no receive is `const`: one task receives at a time.
template <class T>
class receiver {
    using state = detail::state<T>;

public:
    /// Stream items: `received` (a copy of the value) or `lagged` (with `missed()`); never
    /// `empty` or `closed`, since the stream ends with `std::nullopt` instead.
    using item = recv_result<T>;

    /// The future made by `recv()`: a `recv_result<T>` that is `received`, `lagged` (once, after
    /// values were lost to this receiver) or `closed` (every sender is gone and this receiver has
    /// seen every retained value).
    /// Cancellation: dropping it loses no value; the receiver's position is unchanged.
    /// Resumes on: the thread that polls it, woken by a sender's thread.
    class [[nodiscard("a future does nothing until it is awaited")]] recv_future {
    public:
        using output = recv_result<T>;
        explicit recv_future(receiver& r) noexcept : r_(&r) {}
        af::poll<output> poll(context& cx) { return r_->poll_recv(cx); }

    private:
        receiver* r_;
    };

    explicit receiver(std::shared_ptr<state> s)
        : s_(std::move(s)), node_(std::make_unique<af::detail::channel_waiter>()) {
        std::lock_guard lk(s_->m);
        ++s_->receivers;
        next_ = s_->head;
    }
    receiver(receiver&&) noexcept = default;  // node_ is on the heap: it stays put
    /// Unsubscribes this receiver (as its destructor would), then takes over `o`.
    receiver& operator=(receiver&& o) noexcept {
        receiver old(std::move(*this));
        s_ = std::move(o.s_);
        node_ = std::move(o.node_);
        next_ = o.next_;
        return *this;
    }
    ~receiver() {
        if (!s_) return;
        std::lock_guard lk(s_->m);
        s_->waiters.remove(*node_);
        --s_->receivers;
    }

    /// Awaits the next value, lag or end. See `recv_future`.
    recv_future recv() noexcept { return recv_future(*this); }

    /// The poll behind `recv()`: ready with a `received`, `lagged` or `closed` result, or
    /// pending (the waker is kept).
    af::poll<recv_result<T>> poll_recv(context& cx) {
        // A receiver that always has a message would never yield: spend the task's budget.
        if (!coop::poll_proceed(cx)) return pending;
        std::lock_guard lk(s_->m);
        recv_result<T> r = take_locked();
        if (!r.is_empty()) return r;
        if (!node_->linked) s_->waiters.push_back(*node_);
        node_->set_waker(cx.waker());
        return pending;
    }

    /// Stream protocol: `recv()`'s outcomes, with `closed` as the end (`std::nullopt`).
    af::poll<std::optional<recv_result<T>>> poll_next(context& cx) {
        af::poll<recv_result<T>> p = poll_recv(cx);
        if (p.is_pending()) return pending;
        if (p.value().is_closed()) return af::poll<std::optional<recv_result<T>>>(std::in_place, std::nullopt);
        return af::poll<std::optional<recv_result<T>>>(std::in_place, std::move(p.value()));
    }

    /// The next value if there is one; never suspends and spends no coop budget. `received`,
    /// `lagged` (as `recv()`), `empty` while a sender may still send, `closed` at the end.
    recv_result<T> try_recv() {
        std::lock_guard lk(s_->m);
        return take_locked();
    }

    /// How many values this receiver would still receive now: the retained values it has not
    /// seen. Values it already lost to lag are not counted (tokio's `len` counts them; here
    /// they are what the next receive reports as `missed()`). At most the capacity.
    std::size_t len() const {
        std::lock_guard lk(s_->m);
        const std::uint64_t from = next_ < s_->oldest() ? s_->oldest() : next_;
        return static_cast<std::size_t>(s_->head - from);
    }

    /// True when `len()` is 0.
    bool is_empty() const { return len() == 0; }

    /// A new receiver of the same channel that starts at the tail, like `sender::subscribe()`:
    /// it sees values sent from now on, not the ones this receiver has yet to read.
    receiver resubscribe() const { return receiver(s_); }

private:
    // Under the lock: the next outcome without waiting (`empty` when there is nothing yet).
    recv_result<T> take_locked() {
        const std::uint64_t oldest = s_->oldest();
        if (next_ < oldest) {
            const std::uint64_t missed = oldest - next_;
            next_ = oldest;
            return recv_result<T>::lagged(missed);
        }
        if (next_ < s_->head) {
            recv_result<T> r = recv_result<T>::received(*s_->ring[next_ % s_->ring.size()]);
            ++next_;
            return r;
        }
        if (s_->senders == 0) return recv_result<T>::closed();
        return recv_result<T>::empty();
    }

    std::shared_ptr<state> s_;
    std::unique_ptr<af::detail::channel_waiter> node_;
    std::uint64_t next_ = 0;  // sequence number of the next value this receiver reads
};

/// Makes a broadcast channel retaining `capacity` values (at least 1):
/// `auto [tx, rx] = af::channel::broadcast::channel<T>(n);`.
template <class T>
std::pair<sender<T>, receiver<T>> channel(std::size_t capacity) {
    static_assert(std::is_copy_constructible_v<T>,
                  "af::channel::broadcast::channel<T>: T must be copyable, since every receiver gets a "
                  "copy; send a std::shared_ptr<const T> for a move-only value");
    assert(capacity > 0 && "af::channel::broadcast::channel: capacity must be at least 1");
    auto s = std::make_shared<detail::state<T>>(capacity);
    sender<T> tx(s);
    receiver<T> rx(std::move(s));
    return {std::move(tx), std::move(rx)};
}

}  // namespace af::channel::broadcast

namespace af::channel {

/// Deprecated: the pre-ADR-0015 names. The factory `af::channel::broadcast<T>(n)` could not
/// stay (its name is the namespace now): write `af::channel::broadcast::channel<T>(n)`.
template <class T>
using broadcast_sender [[deprecated("use af::channel::broadcast::sender<T>")]] = broadcast::sender<T>;
template <class T>
using broadcast_receiver [[deprecated("use af::channel::broadcast::receiver<T>")]] = broadcast::receiver<T>;

}  // namespace af::channel

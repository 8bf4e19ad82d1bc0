// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::channel::broadcast<T>(n)`: many senders, many receivers; every receiver sees every value
/// sent after it subscribed.
///
///     auto [tx, rx1] = af::channel::broadcast<event>(64);
///     auto rx2 = tx.subscribe();
///     (void)tx.send(event{});                     // both rx1 and rx2 will get a copy
///     std::optional<event> e = co_await rx1.recv();  // std::nullopt once all senders are gone
///
/// The channel keeps the last `n` values in a ring. A receiver that falls more than `n` values
/// behind has lost the oldest ones: its next `recv()` throws `recv_error` of kind `lagged` with
/// `missed()` set, and the receiver continues from the oldest value still retained. Choosing:
/// when only the latest value matters, `watch` is cheaper; when every value must reach exactly
/// one consumer, use `mpsc`. `T` must be copyable (each receiver gets its own copy).
///
/// A send never waits: it overwrites the oldest value instead (slow receivers lag, they do not
/// slow the sender). It fails (`closed`, value handed back) only when no receiver exists.
///
/// Thread safety, the rule of every af channel: distinct handles may be used from different
/// threads at once, and so may the `const` members of one handle; its other members need the
/// handle to themselves (one thread at a time). Here a sender's `send`, `subscribe`,
/// `receiver_count` and copying are `const`: one sender may send from several threads at once. A
/// receiver's `recv` and `poll_recv` are not: give each receiving thread its own receiver
/// (`subscribe()`). One mutex per channel guards the ring and the list of waiting receivers; it
/// is held for one copy and O(woken receivers) list work, never while a waker runs. A lock-free
/// ring with per-slot sequence numbers is possible but would need per-slot reader counts for
/// non-trivial `T`; the lock keeps copying a `T` out of a slot obviously safe against a
/// concurrent overwrite.
#include <cassert>      // handle misuse
#include <cstddef>      // std::size_t
#include <cstdint>      // sequence numbers
#include <memory>       // shared state, heap waiter node
#include <mutex>        // guards the state
#include <optional>     // ring slots
#include <type_traits>  // std::is_copy_constructible_v
#include <utility>      // std::pair, std::move
#include <vector>       // the ring; wakers woken after the lock

#include "af/core/coop.hpp"
#include "af/channel/detail/waiter_list.hpp"
#include "af/channel/error.hpp"
#include "af/core/future.hpp"

namespace af::channel {

namespace detail {
template <class T>
struct broadcast_state {
    explicit broadcast_state(std::size_t cap) : ring(cap) {}

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
class broadcast_receiver;

/// A sending handle; copyable. Receivers end once every sender is gone.
/// Thread safety: every member but assignment and destruction is `const` and may run on
/// several threads at once.
template <class T>
class broadcast_sender {
    using state = detail::broadcast_state<T>;

public:
    explicit broadcast_sender(std::shared_ptr<state> s) : s_(std::move(s)) {
        std::lock_guard lk(s_->m);
        ++s_->senders;
    }
    broadcast_sender(const broadcast_sender& o) : broadcast_sender(o.s_) {}
    broadcast_sender(broadcast_sender&& o) noexcept : s_(std::move(o.s_)) {}
    broadcast_sender& operator=(broadcast_sender o) noexcept {
        std::swap(s_, o.s_);
        return *this;
    }
    ~broadcast_sender() {
        if (!s_) return;
        std::vector<waker> wake;
        {
            std::lock_guard lk(s_->m);
            if (--s_->senders == 0) s_->waiters.drain(wake);
        }
        for (waker& w : wake) std::move(w).wake();
    }

    /// Stores a copy of `v` for every current receiver and wakes the waiting ones. Never waits;
    /// overwrites the oldest retained value when the ring is full. Fails with `closed` (handing
    /// `v` back) when there are no receivers.
    send_result<T> send(T v) const {
        std::vector<waker> wake;
        std::optional<T> overwritten;  // destroyed after the lock
        {
            std::lock_guard lk(s_->m);
            if (s_->receivers == 0) return send_result<T>::failed(send_status::closed, std::move(v));
            std::optional<T>& slot = s_->ring[s_->head % s_->ring.size()];
            if (slot) overwritten.emplace(std::move(*slot));
            slot.reset();
            slot.emplace(std::move(v));
            ++s_->head;
            s_->waiters.drain(wake);
        }
        for (waker& w : wake) std::move(w).wake();
        return send_result<T>::ok();
    }

    /// A new receiver that sees every value sent from now on.
    broadcast_receiver<T> subscribe() const { return broadcast_receiver<T>(s_); }

    std::size_t receiver_count() const {
        std::lock_guard lk(s_->m);
        return s_->receivers;
    }

private:
    std::shared_ptr<state> s_;
};

/// A receiving handle. Move-only; get more with `sender.subscribe()`.
/// Thread safety: `recv` and `poll_recv` are not `const`: one task receives at a time.
template <class T>
class broadcast_receiver {
    using state = detail::broadcast_state<T>;

public:
    /// The future made by `recv()`: the next value (a copy), `std::nullopt` at the end, or
    /// throws `recv_error` (kind `lagged`) once after values were lost.
    /// Cancellation: dropping it loses no value; the receiver's position is unchanged.
    /// Resumes on: the thread that polls it, woken by a sender's thread.
    class [[nodiscard("a future does nothing until it is awaited")]] recv_future {
    public:
        using output = std::optional<T>;
        explicit recv_future(broadcast_receiver& r) noexcept : r_(&r) {}
        af::poll<output> poll(context& cx) { return r_->poll_recv(cx); }

    private:
        broadcast_receiver* r_;
    };

    explicit broadcast_receiver(std::shared_ptr<state> s)
        : s_(std::move(s)), node_(std::make_unique<af::detail::channel_waiter>()) {
        std::lock_guard lk(s_->m);
        ++s_->receivers;
        next_ = s_->head;
    }
    broadcast_receiver(broadcast_receiver&&) noexcept = default;  // node_ is on the heap: it stays put
    broadcast_receiver& operator=(broadcast_receiver&&) = delete;
    ~broadcast_receiver() {
        if (!s_) return;
        std::lock_guard lk(s_->m);
        s_->waiters.remove(*node_);
        --s_->receivers;
    }

    /// Awaits the next value. See `recv_future`.
    recv_future recv() noexcept { return recv_future(*this); }

    /// The poll behind `recv()`.
    af::poll<std::optional<T>> poll_recv(context& cx) {
        // A receiver that always has a message would never yield: spend the task's budget.
        if (!coop::poll_proceed(cx)) return pending;
        std::lock_guard lk(s_->m);
        const std::uint64_t oldest = s_->oldest();
        if (next_ < oldest) {
            const std::uint64_t missed = oldest - next_;
            next_ = oldest;
            throw recv_error::lagged(missed);
        }
        if (next_ < s_->head) {
            af::poll<std::optional<T>> p(std::in_place, *s_->ring[next_ % s_->ring.size()]);
            ++next_;
            return p;
        }
        if (s_->senders == 0) return af::poll<std::optional<T>>(std::in_place, std::nullopt);
        if (!node_->linked) s_->waiters.push_back(*node_);
        node_->set_waker(cx.waker());
        return pending;
    }

private:
    std::shared_ptr<state> s_;
    std::unique_ptr<af::detail::channel_waiter> node_;
    std::uint64_t next_ = 0;  // sequence number of the next value this receiver reads
};

/// Makes a broadcast channel retaining `capacity` values (at least 1):
/// `auto [tx, rx] = af::channel::broadcast<T>(n);`.
template <class T>
std::pair<broadcast_sender<T>, broadcast_receiver<T>> broadcast(std::size_t capacity) {
    static_assert(std::is_copy_constructible_v<T>,
                  "af::channel::broadcast<T>: T must be copyable, since every receiver gets a copy; "
                  "send a std::shared_ptr<const T> for a move-only value");
    assert(capacity > 0 && "af::channel::broadcast: capacity must be at least 1");
    auto s = std::make_shared<detail::broadcast_state<T>>(capacity);
    broadcast_sender<T> tx(s);
    broadcast_receiver<T> rx(std::move(s));
    return {std::move(tx), std::move(rx)};
}

}  // namespace af::channel

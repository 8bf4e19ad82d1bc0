// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::channel::oneshot::channel<T>()`: send exactly one value from one place to one waiting
/// task.
///
///     auto [tx, rx] = af::channel::oneshot::channel<int>();
///     pool.spawn([tx = std::move(tx)]() mutable { (void)tx.send(42); });
///     int v = co_await std::move(rx);   // throws af::closed_error if tx dies unsent
///
/// The receiver *is* the future (`af::future<T>`). Choosing: to get a spawned task's result, its
/// `join_handle` already does this; use a oneshot when the value comes from somewhere else (a
/// callback, another thread, a reply slot in a request message). For many values use
/// `mpsc`; for one value seen by many, `watch` or `af::shared`. `oneshot::channel<void>()` is a
/// one-time signal: `tx.send()`, `co_await rx`.
///
/// Errors (docs/design/0015-error-model.md): awaiting the receiver when no value can ever come
/// (the sender was dropped unsent, or the receiver closed first) throws `af::closed_error`;
/// `try_recv` says the same with a `recv_result` (`received`, `empty` or `closed`) and never
/// throws; a send to a receiver that is gone or closed hands the value back in a `send_result`.
///
/// Dropping or closing either side is observed by the other: a dropped sender fails the
/// receiver; a dropped or closed receiver makes `send` fail and completes `sender.closed()`.
///
/// Thread safety, the rule of every af channel: distinct handles may be used from different
/// threads at once, and so may the `const` members of one handle; its other members need the
/// handle to themselves (one thread at a time). Here the two ends may be used and dropped from
/// different threads at once; the sender's `send` is not `const` (and spends it), its
/// `is_closed` and `closed` are; the receiver is a future, polled by one task at a time. The
/// channel is one recycled heap block with an atomic state word (no lock, no reference-counted
/// control block): a send is one atomic read-modify-write, and a receiver that finds the value
/// already there takes it and frees the block without any. See the book chapter "Channels" and
/// docs/design/0010-oneshot-state-word.md.
#include <stdexcept>    // std::logic_error: a receiver polled after it completed
#include <type_traits>  // the void channel, std::type_identity_t
#include <utility>      // std::pair, std::move, std::exchange

#include "af/channel/detail/oneshot_block.hpp"
#include "af/channel/error.hpp"  // send_result, recv_result
#include "af/core/error.hpp"     // af::closed_error
#include "af/core/future.hpp"

namespace af::channel::oneshot {

template <class T>
class sender;
template <class T>
class receiver;
template <class T>
std::pair<sender<T>, receiver<T>> channel();

/// The sending half of a oneshot channel. Move-only; `send` at most once.
/// Thread safety: `is_closed` and `closed` may run on several threads at once, not with `send`.
template <class T>
class sender {
    using stored = af::detail::oneshot_stored_t<T>;
    using block = af::detail::oneshot_block<stored>;

public:
    /// The future made by `closed()`: completes when the receiver is dropped or closed. It holds
    /// a reference of its own, so it may outlive the sender (and a send).
    class [[nodiscard("a future does nothing until it is awaited")]] closed_future {
    public:
        using output = void;
        closed_future(closed_future&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
        ~closed_future() {
            if (b_ != nullptr) b_->release(0);
        }

        af::poll<void> poll(context& cx) {
            if (b_ == nullptr || b_->poll_closed(cx.waker())) return {};
            return pending;
        }

    private:
        friend class sender;
        explicit closed_future(block* b) noexcept : b_(b) {
            if (b_ != nullptr) b_->add_ref();
        }
        block* b_;
    };

    sender(sender&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
    sender& operator=(sender&& o) noexcept {
        sender tmp(std::move(o));
        std::swap(b_, tmp.b_);
        return *this;
    }
    ~sender() {
        if (b_ != nullptr) b_->drop_tx();
    }

    /// Sends `v` and wakes the receiver. Fails with `closed` (handing `v` back) when the
    /// receiver is gone or closed. Never suspends. The sender is spent afterwards, whatever the
    /// result. Thread safety: may race with the receiver's poll, close or drop on another
    /// thread; the value is either delivered or handed back, never both, never lost.
    template <class U = T>
        requires(!std::is_void_v<U>)
    send_result<U> send(std::type_identity_t<U> v) {
        using outcome = typename block::send_outcome;
        const outcome o = send_slot(v);  // if moving v into the channel throws, nothing is spent
        block* b = std::exchange(b_, nullptr);
        if (o == outcome::sent) [[likely]] return send_result<U>::ok();
        if (o == outcome::refused) return send_result<U>::failed(send_status::closed, std::move(v));
        // The receiver left between our check and our publish: the value never left the slot.
        auto r = send_result<U>::failed(send_status::closed, std::move(b->slot()));
        b->discard_slot();
        return r;
    }

    /// Sends the signal of a `void` channel: a `send_result<void>`, sent, or closed when the
    /// receiver is gone or closed (there is no value to hand back). Otherwise as `send(v)`.
    send_result<void> send()
        requires std::is_void_v<T>
    {
        stored unit;
        using outcome = typename block::send_outcome;
        const outcome o = send_slot(unit);
        block* b = std::exchange(b_, nullptr);
        if (o == outcome::in_slot) b->discard_slot();
        return o == outcome::sent ? send_result<void>::ok() : send_result<void>::failed(send_status::closed);
    }

    /// True once the receiver has been dropped or closed (a send would fail), or this sender
    /// was spent by `send`.
    bool is_closed() const { return b_ == nullptr || b_->rx_gone(); }

    /// A future that completes when the receiver is dropped or closed: lets a producer stop
    /// working on a value nobody wants. On a spent sender it is ready at once.
    /// Cancellation: dropping it loses nothing; its waker stays in the channel until the
    /// receiver goes (which wakes it for nothing) or the channel is freed.
    /// Resumes on: the thread that polls it, woken by the thread where the receiver went.
    /// Thread safety: one awaiting task at a time (it shares the sender's single waker slot).
    closed_future closed() const { return closed_future(b_); }

private:
    friend std::pair<sender<T>, receiver<T>> channel<T>();
    explicit sender(block* b) noexcept : b_(b) {}

    typename block::send_outcome send_slot(stored& v) {
        if (b_ == nullptr) throw std::logic_error("af::channel::oneshot::sender::send called twice: a oneshot sends once");
        return b_->send(v);
    }

    block* b_;
};

/// The receiving half: a future of the value. Throws `af::closed_error` when no value can come:
/// the sender was dropped without sending, or `close()` came first.
///
/// Cancellation: dropping the receiver drops a value already sent and makes later sends fail;
/// its waker is released at once unless the sender is finishing at that moment.
/// Resumes on: the thread that polls it, after the sending thread woke it.
/// Thread safety: one task polls it; the sender may act from any thread meanwhile. A re-poll
/// with a different waker replaces the stored one, also while a send is under way.
template <class T>
class [[nodiscard("a future does nothing until it is awaited")]] receiver {
    using stored = af::detail::oneshot_stored_t<T>;
    using block = af::detail::oneshot_block<stored>;
    using bits = af::detail::oneshot_bits;

public:
    using output = T;

    receiver(receiver&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
    receiver& operator=(receiver&& o) noexcept {
        receiver tmp(std::move(o));
        std::swap(b_, tmp.b_);
        return *this;
    }
    ~receiver() {
        if (b_ != nullptr) b_->drop_rx();
    }

    af::poll<T> poll(context& cx) {
        if (b_ == nullptr) {
            throw std::logic_error(
                "af::channel::oneshot::receiver polled after it completed: await it once (try_recv says closed)");
        }
        const std::size_t s = b_->poll_rx(cx.waker());
        if (s == 0) return pending;
        if ((s & bits::value) != 0) return take();
        std::exchange(b_, nullptr)->drop_rx();  // no value: completes closed()
        throw af::closed_error((s & bits::rx_done) != 0 ? "oneshot receiver closed before a send"
                                                        : "oneshot sender dropped without sending");
    }

    /// Takes the value if it is there, without waiting: `received`; `empty` while the sender may
    /// still send; `closed` once it never will (the sender is gone or spent, the receiver closed,
    /// or this receiver already delivered its value). Never throws.
    recv_result<T> try_recv() {
        if (b_ == nullptr) return recv_result<T>::closed();  // done: nothing more can come
        const std::size_t s = b_->peek();
        if ((s & bits::value) != 0) {
            if constexpr (std::is_void_v<T>) {
                (void)take();
                return recv_result<T>::received();
            } else {
                return recv_result<T>::received(take().value());
            }
        }
        if ((s & (bits::tx_done | bits::rx_done)) != 0) return recv_result<T>::closed();
        return recv_result<T>::empty();
    }

    /// Closes the channel from this end without dropping the receiver: a later `send` fails and
    /// hands its value back, `sender.closed()` completes. A value sent before the close can still
    /// be taken (`try_recv` or `co_await`); otherwise both report closed. Idempotent; never
    /// suspends. Thread safety: may race with the sender on another thread; the send either
    /// came first (the value is here) or fails.
    void close() noexcept {
        if (b_ != nullptr) (void)b_->close_rx();
    }

private:
    friend std::pair<sender<T>, receiver<T>> channel<T>();
    explicit receiver(block* b) noexcept : b_(b) {}

    af::poll<T> take() {
        block* b = std::exchange(b_, nullptr);  // take_value lets go of the block
        if constexpr (std::is_void_v<T>) {
            (void)b->take_value();
            return {};
        } else {
            return af::poll<T>(std::in_place, b->take_value());
        }
    }

    block* b_;
};

/// Makes a oneshot channel: `auto [tx, rx] = af::channel::oneshot::channel<T>();`. One
/// allocation, from af's per-thread recycling cache.
template <class T>
std::pair<sender<T>, receiver<T>> channel() {
    auto* b = af::detail::oneshot_block<af::detail::oneshot_stored_t<T>>::make();
    return {sender<T>(b), receiver<T>(b)};
}

}  // namespace af::channel::oneshot

namespace af::channel {

/// Deprecated: the pre-ADR-0015 name of `oneshot::sender<T>`.
template <class T>
using oneshot_sender [[deprecated("use af::channel::oneshot::sender<T>")]] = oneshot::sender<T>;
/// Deprecated: the pre-ADR-0015 name of `oneshot::receiver<T>`.
template <class T>
using oneshot_receiver [[deprecated("use af::channel::oneshot::receiver<T>")]] = oneshot::receiver<T>;

}  // namespace af::channel

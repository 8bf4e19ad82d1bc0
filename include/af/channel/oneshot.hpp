// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::channel::oneshot<T>()`: send exactly one value from one place to one waiting task.
///
///     auto [tx, rx] = af::channel::oneshot<int>();
///     pool.spawn([tx = std::move(tx)]() mutable { (void)tx.send(42); });
///     int v = co_await std::move(rx);   // throws af::channel::recv_error if tx dies unsent
///
/// The receiver *is* the future (`af::future<T>`). Choosing: to get a spawned task's result, its
/// `join_handle` already does this; use a oneshot when the value comes from somewhere else (a
/// callback, another thread, a reply slot in a request message). For many values use
/// `mpsc`; for one value seen by many, `watch` or `af::shared`.
///
/// Dropping either side is observed by the other: a dropped sender fails the receiver with
/// `recv_error` (kind `closed`); a dropped receiver makes `send` hand the value back and
/// completes `sender.closed()`.
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
#include <cassert>   // single use
#include <optional>  // try_recv's result
#include <utility>   // std::pair, std::move, std::exchange

#include "af/channel/detail/oneshot_block.hpp"
#include "af/channel/error.hpp"
#include "af/core/future.hpp"

namespace af::channel {

template <class T>
class oneshot_sender;
template <class T>
class oneshot_receiver;
template <class T>
std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot();

/// The sending half of a oneshot channel. Move-only; `send` at most once.
/// Thread safety: `is_closed` and `closed` may run on several threads at once, not with `send`.
template <class T>
class oneshot_sender {
    using block = af::detail::oneshot_block<T>;

public:
    /// The future made by `closed()`: completes when the receiver is dropped. It holds a
    /// reference of its own, so it may outlive the sender (and a send).
    class [[nodiscard("a future does nothing until it is awaited")]] closed_future {
    public:
        using output = void;
        closed_future(closed_future&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
        ~closed_future() {
            if (b_ != nullptr) b_->release(0);
        }

        af::poll<void> poll(context& cx) {
            if (b_->poll_closed(cx.waker())) return {};
            return pending;
        }

    private:
        friend class oneshot_sender;
        explicit closed_future(block* b) noexcept : b_(b) { b_->add_ref(); }
        block* b_;
    };

    oneshot_sender(oneshot_sender&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
    oneshot_sender& operator=(oneshot_sender&& o) noexcept {
        oneshot_sender tmp(std::move(o));
        std::swap(b_, tmp.b_);
        return *this;
    }
    ~oneshot_sender() {
        if (b_ != nullptr) b_->drop_tx();
    }

    /// Sends `v` and wakes the receiver. Fails with `closed` (handing `v` back) when the
    /// receiver is gone. Never suspends. The sender is spent afterwards, whatever the result.
    /// Thread safety: may race with the receiver's poll or drop on another thread; the value is
    /// either delivered or handed back, never both, never lost.
    send_result<T> send(T v) {
        assert(b_ && "af::channel::oneshot_sender::send called twice");
        using outcome = typename block::send_outcome;
        const outcome o = b_->send(v);  // if moving v into the channel throws, nothing is spent
        block* b = std::exchange(b_, nullptr);
        if (o == outcome::sent) [[likely]] return send_result<T>::ok();
        if (o == outcome::refused) return send_result<T>::failed(send_status::closed, std::move(v));
        // The receiver left between our check and our publish: the value never left the slot.
        auto r = send_result<T>::failed(send_status::closed, std::move(b->slot()));
        b->discard_slot();
        return r;
    }

    /// True once the receiver has been dropped (a send would fail).
    bool is_closed() const { return b_ == nullptr || b_->rx_gone(); }

    /// A future that completes when the receiver is dropped: lets a producer stop working on a
    /// value nobody wants. Cancellation: dropping it loses nothing. Thread safety: one awaiting
    /// task at a time (it shares the sender's single waker slot).
    closed_future closed() const {
        assert(b_ && "af::channel::oneshot_sender::closed after send");
        return closed_future(b_);
    }

private:
    friend std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot<T>();
    explicit oneshot_sender(block* b) noexcept : b_(b) {}

    block* b_;
};

/// The receiving half: a future of the value. Throws `recv_error` (kind `closed`) when the
/// sender is dropped without sending.
///
/// Cancellation: dropping the receiver drops a value already sent and makes later sends fail.
/// Resumes on: the thread that polls it, after the sending thread woke it.
/// Thread safety: one task polls it; the sender may act from any thread meanwhile. A re-poll
/// with a different waker replaces the stored one, also while a send is under way.
template <class T>
class [[nodiscard("a future does nothing until it is awaited")]] oneshot_receiver {
    using block = af::detail::oneshot_block<T>;
    using bits = af::detail::oneshot_bits;

public:
    using output = T;

    oneshot_receiver(oneshot_receiver&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
    oneshot_receiver& operator=(oneshot_receiver&& o) noexcept {
        oneshot_receiver tmp(std::move(o));
        std::swap(b_, tmp.b_);
        return *this;
    }
    ~oneshot_receiver() {
        if (b_ != nullptr) b_->drop_rx();
    }

    af::poll<T> poll(context& cx) {
        assert(b_ && "af::channel::oneshot_receiver polled after it completed");
        const std::size_t s = b_->poll_rx(cx.waker());
        if (s == 0) return pending;
        if ((s & bits::value) != 0) {
            af::poll<T> p(std::in_place, b_->take_value());
            b_ = nullptr;  // take_value let go of the block
            return p;
        }
        std::exchange(b_, nullptr)->drop_rx();  // sent nothing: completes closed()
        throw recv_error::closed();
    }

    /// Takes the value if it is there, without waiting. `std::nullopt` while the sender may
    /// still send; throws `recv_error` (kind `closed`) once it never will.
    std::optional<T> try_recv() {
        assert(b_ && "af::channel::oneshot_receiver::try_recv after it completed");
        const std::size_t s = b_->peek();
        if ((s & bits::value) != 0) {
            std::optional<T> v(std::in_place, b_->take_value());
            b_ = nullptr;
            return v;
        }
        if ((s & bits::tx_done) != 0) throw recv_error::closed();
        return std::nullopt;
    }

private:
    friend std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot<T>();
    explicit oneshot_receiver(block* b) noexcept : b_(b) {}

    block* b_;
};

/// Makes a oneshot channel: `auto [tx, rx] = af::channel::oneshot<T>();`. One allocation, from
/// af's per-thread recycling cache.
template <class T>
std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot() {
    auto* b = af::detail::oneshot_block<T>::make();
    return {oneshot_sender<T>(b), oneshot_receiver<T>(b)};
}

}  // namespace af::channel

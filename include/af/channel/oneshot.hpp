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
/// Thread safety: the two ends may be used and dropped from different threads at once. The state
/// is guarded by a short mutex, never held while a waker is woken or a value destroyed: with a
/// single value and two parties, a lock is as fast as a lock-free state machine here and
/// obviously right. See the book chapter "Channels".
#include <cassert>   // single use
#include <memory>    // shared state
#include <mutex>     // guards the state
#include <optional>  // value and waker slots
#include <utility>   // std::pair, std::move

#include "af/channel/error.hpp"
#include "af/core/future.hpp"

namespace af::channel {

namespace detail {
template <class T>
struct oneshot_state {
    std::mutex m;
    std::optional<T> value;
    bool tx_alive = true;
    bool rx_alive = true;
    std::optional<waker> rx_waker;
    std::optional<waker> tx_waker;  // a sender awaiting closed()
};
}  // namespace detail

template <class T>
class oneshot_receiver;

/// The sending half of a oneshot channel. Move-only; `send` at most once.
template <class T>
class oneshot_sender {
    using state = detail::oneshot_state<T>;

public:
    /// The future made by `closed()`: completes when the receiver is dropped.
    class [[nodiscard("a future does nothing until it is awaited")]] closed_future {
    public:
        using output = void;
        explicit closed_future(std::shared_ptr<state> s) : s_(std::move(s)) {}
        closed_future(closed_future&&) noexcept = default;
        af::poll<void> poll(context& cx) {
            std::lock_guard lk(s_->m);
            if (!s_->rx_alive) return {};
            if (!s_->tx_waker || !s_->tx_waker->will_wake(cx.waker())) s_->tx_waker.emplace(cx.waker());
            return pending;
        }

    private:
        std::shared_ptr<state> s_;
    };

    explicit oneshot_sender(std::shared_ptr<state> s) noexcept : s_(std::move(s)) {}
    oneshot_sender(oneshot_sender&&) noexcept = default;
    oneshot_sender& operator=(oneshot_sender&& o) noexcept {
        oneshot_sender tmp(std::move(o));
        std::swap(s_, tmp.s_);
        return *this;
    }
    ~oneshot_sender() { release(); }

    /// Sends `v` and wakes the receiver. Fails with `closed` (handing `v` back) when the
    /// receiver is gone. Never suspends. The sender is spent afterwards, whatever the result.
    send_result<T> send(T v) {
        assert(s_ && "af::channel::oneshot_sender::send called twice");
        std::optional<waker> w;
        bool receiver_gone = false;
        {
            std::lock_guard lk(s_->m);
            s_->tx_alive = false;
            receiver_gone = !s_->rx_alive;
            if (!receiver_gone) {
                s_->value.emplace(std::move(v));
                w = std::move(s_->rx_waker);
                s_->rx_waker.reset();
            }
        }
        s_.reset();  // outside the lock: this may free the state and its mutex
        if (receiver_gone) return send_result<T>::failed(send_status::closed, std::move(v));
        if (w) std::move(*w).wake();
        return send_result<T>::ok();
    }

    /// True once the receiver has been dropped (a send would fail).
    bool is_closed() const {
        if (!s_) return true;
        std::lock_guard lk(s_->m);
        return !s_->rx_alive;
    }

    /// A future that completes when the receiver is dropped: lets a producer stop working on a
    /// value nobody wants. Cancellation: dropping it loses nothing. Thread safety: one awaiting
    /// task at a time (it shares the sender's single waker slot).
    closed_future closed() const {
        assert(s_ && "af::channel::oneshot_sender::closed after send");
        return closed_future(s_);
    }

private:
    void release() {
        if (!s_) return;
        std::optional<waker> w;
        {
            std::lock_guard lk(s_->m);
            s_->tx_alive = false;
            w = std::move(s_->rx_waker);
            s_->rx_waker.reset();
        }
        s_.reset();
        if (w) std::move(*w).wake();
    }

    std::shared_ptr<state> s_;
};

/// The receiving half: a future of the value. Throws `recv_error` (kind `closed`) when the
/// sender is dropped without sending.
///
/// Cancellation: dropping the receiver drops a value already sent and makes later sends fail.
/// Resumes on: the thread that polls it, after the sending thread woke it.
/// Thread safety: one task polls it; the sender may act from any thread meanwhile.
template <class T>
class [[nodiscard("a future does nothing until it is awaited")]] oneshot_receiver {
    using state = detail::oneshot_state<T>;

public:
    using output = T;

    explicit oneshot_receiver(std::shared_ptr<state> s) noexcept : s_(std::move(s)) {}
    oneshot_receiver(oneshot_receiver&&) noexcept = default;
    oneshot_receiver& operator=(oneshot_receiver&& o) noexcept {
        oneshot_receiver tmp(std::move(o));
        std::swap(s_, tmp.s_);
        return *this;
    }
    ~oneshot_receiver() { release(); }

    af::poll<T> poll(context& cx) {
        assert(s_ && "af::channel::oneshot_receiver polled after it completed");
        std::unique_lock lk(s_->m);
        if (s_->value) {
            af::poll<T> p(std::in_place, std::move(*s_->value));
            s_->value.reset();
            lk.unlock();
            s_.reset();
            return p;
        }
        if (!s_->tx_alive) {
            lk.unlock();
            release();
            throw recv_error::closed();
        }
        if (!s_->rx_waker || !s_->rx_waker->will_wake(cx.waker())) s_->rx_waker.emplace(cx.waker());
        return pending;
    }

    /// Takes the value if it is there, without waiting. `std::nullopt` while the sender may
    /// still send; throws `recv_error` (kind `closed`) once it never will.
    std::optional<T> try_recv() {
        assert(s_ && "af::channel::oneshot_receiver::try_recv after it completed");
        std::unique_lock lk(s_->m);
        if (s_->value) {
            std::optional<T> v = std::move(s_->value);
            s_->value.reset();
            lk.unlock();
            s_.reset();
            return v;
        }
        if (!s_->tx_alive) throw recv_error::closed();
        return std::nullopt;
    }

private:
    void release() {
        if (!s_) return;
        std::optional<waker> w;
        std::optional<T> dropped;  // destroyed after the lock is released
        {
            std::lock_guard lk(s_->m);
            s_->rx_alive = false;
            if (s_->value) dropped.emplace(std::move(*s_->value));
            s_->value.reset();
            w = std::move(s_->tx_waker);
            s_->tx_waker.reset();
        }
        s_.reset();
        if (w) std::move(*w).wake();
    }

    std::shared_ptr<state> s_;
};

/// Makes a oneshot channel: `auto [tx, rx] = af::channel::oneshot<T>();`.
template <class T>
std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot() {
    auto s = std::make_shared<detail::oneshot_state<T>>();
    return {oneshot_sender<T>(s), oneshot_receiver<T>(s)};
}

}  // namespace af::channel

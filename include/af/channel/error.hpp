// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The outcomes every `af::channel` shares: `send_result<T>` and `recv_result<T>`
/// (docs/design/0015-error-model.md).
///
/// - A receive that can never succeed throws `af::closed_error`: awaiting a oneshot receiver
///   whose sender is gone, `watch::receiver::changed()` once the sender is gone. The end of a
///   multi-value channel is not an error: `recv()` gives `std::nullopt` once the senders are gone
///   and the buffer is drained, so a stream of messages ends like every other `af::stream`.
/// - A receive that did not produce a value *now* is a `recv_result<T>` saying `empty`, `closed`
///   or `lagged` (with `missed()`): every `try_recv`, and broadcast's `recv()`.
/// - Sending never throws for a channel reason: `send_result<T>` says `sent`, `full` or `closed`,
///   and hands an unsent value back through `take_value()`.
///
///     auto r = tx.try_send(std::move(msg));
///     if (!r) log(r.status() == af::channel::send_status::full ? "busy" : "gone", r.take_value());
///
///     auto m = rx.try_recv();
///     if (m) handle(m.take_value()); else if (m.is_closed()) stop();   // else: empty, poll later
#include <cassert>    // take_value on a sent result
#include <cstddef>    // std::size_t
#include <cstdint>    // std::uint64_t
#include <optional>   // the unsent value
#include <stdexcept>  // std::logic_error: a value taken from a result without one
#include <utility>    // std::move

#include "af/core/error.hpp"  // af::closed_error

namespace af::channel {

/// The pre-ADR-0015 receive error, for one release. Nothing throws it any more: oneshot and watch
/// throw `af::closed_error` when no value can ever come, and a broadcast lag is a `recv_result`.
using recv_error [[deprecated("catch af::closed_error; lag is a recv_result")]] = af::closed_error;

enum class recv_status {
    received,  ///< a value came out
    empty,     ///< `try_recv` only: nothing now, but a sender may still send
    closed,    ///< nothing now and nothing ever: every sender is gone and the buffer is drained
    lagged,    ///< broadcast only: this receiver fell behind; `missed()` values are gone for it
};

enum class send_status {
    sent,    ///< delivered into the channel
    full,    ///< `try_send` only: no capacity right now
    closed,  ///< the receiving side is gone (or closed); the value comes back
};

namespace detail {
// What recv_result<T> and recv_result<void> share: the outcome, without the value.
class recv_outcome {
public:
    recv_status status() const noexcept { return status_; }
    bool is_received() const noexcept { return status_ == recv_status::received; }
    bool is_empty() const noexcept { return status_ == recv_status::empty; }
    bool is_closed() const noexcept { return status_ == recv_status::closed; }
    bool is_lagged() const noexcept { return status_ == recv_status::lagged; }
    explicit operator bool() const noexcept { return is_received(); }
    /// For `lagged`: how many values this receiver will never see.
    std::uint64_t missed() const noexcept { return missed_; }

protected:
    recv_outcome(recv_status s, std::uint64_t missed) noexcept : status_(s), missed_(missed) {}
    recv_status status_;
    std::uint64_t missed_;
};

// What send_result<T> and send_result<void> share.
class send_outcome {
public:
    send_status status() const noexcept { return status_; }
    bool is_sent() const noexcept { return status_ == send_status::sent; }
    bool is_full() const noexcept { return status_ == send_status::full; }
    bool is_closed() const noexcept { return status_ == send_status::closed; }
    explicit operator bool() const noexcept { return is_sent(); }

protected:
    explicit send_outcome(send_status s) noexcept : status_(s) {}
    send_status status_;
};
}  // namespace detail

/// The outcome of a receive that reports instead of waiting or throwing: true when it holds a
/// value. `T` may be `void` (a oneshot of `void`): then there is no value to take.
template <class T>
class [[nodiscard("a receive result may hold the value; check it")]] recv_result : public detail::recv_outcome {
public:
    static recv_result received(T v) { return recv_result(recv_status::received, std::move(v), 0); }
    static recv_result empty() noexcept { return recv_result(recv_status::empty, std::nullopt, 0); }
    static recv_result closed() noexcept { return recv_result(recv_status::closed, std::nullopt, 0); }
    static recv_result lagged(std::uint64_t missed) noexcept {
        return recv_result(recv_status::lagged, std::nullopt, missed);
    }
    /// The value. Throws `af::closed_error` on a closed result and `std::logic_error` on an empty
    /// or lagged one (check first: those are outcomes, not failures).
    T& value() & { check(); return *value_; }
    /// Moves the value out; same errors as `value()`.
    T take_value() { check(); return std::move(*value_); }
    T& operator*() & noexcept { assert(value_); return *value_; }
    T* operator->() noexcept { assert(value_); return &*value_; }

private:
    recv_result(recv_status s, std::optional<T> v, std::uint64_t missed)
        : recv_outcome(s, missed), value_(std::move(v)) {}
    void check() const {
        if (status_ == recv_status::received) return;
        if (status_ == recv_status::closed) throw af::closed_error("channel closed");
        throw std::logic_error(status_ == recv_status::empty
                                   ? "af::channel::recv_result: no value (empty): check the result before taking it"
                                   : "af::channel::recv_result: no value (lagged): check the result before taking it");
    }
    std::optional<T> value_;
};

/// A receive of a `void` channel: the same outcomes, no value.
template <>
class [[nodiscard("a receive result says whether the signal came; check it")]] recv_result<void>
    : public detail::recv_outcome {
public:
    static recv_result received() noexcept { return recv_result(recv_status::received, 0); }
    static recv_result empty() noexcept { return recv_result(recv_status::empty, 0); }
    static recv_result closed() noexcept { return recv_result(recv_status::closed, 0); }
    static recv_result lagged(std::uint64_t missed) noexcept { return recv_result(recv_status::lagged, missed); }

private:
    recv_result(recv_status s, std::uint64_t missed) noexcept : recv_outcome(s, missed) {}
};


/// The outcome of a send: true when sent; otherwise the value comes back with `take_value()`.
template <class T>
class [[nodiscard("a failed send hands the value back; check the result")]] send_result : public detail::send_outcome {
public:
    static send_result ok() noexcept { return send_result(send_status::sent, std::nullopt); }
    /// A send that reached `receivers` receivers (broadcast).
    static send_result ok(std::size_t receivers) noexcept {
        send_result r(send_status::sent, std::nullopt);
        r.receivers_ = receivers;
        return r;
    }
    static send_result failed(send_status s, T v) { return send_result(s, std::optional<T>(std::move(v))); }

    /// broadcast's `send`: how many receivers will see the value (at least 1 when sent: a send
    /// with no receiver is `closed`). 0 from the other channels, whose one receiver is implied.
    std::size_t receiver_count() const noexcept { return receivers_; }

    /// The value that was not sent. Only on a failed result.
    T take_value() {
        assert(value_ && "af::channel::send_result::take_value on a sent result");
        return std::move(*value_);
    }

private:
    send_result(send_status s, std::optional<T> v) : send_outcome(s), value_(std::move(v)) {}
    std::optional<T> value_;
    std::size_t receivers_ = 0;
};

/// A send of a `void` channel (`oneshot::channel<void>()`): the same outcomes, no value to hand
/// back.
template <>
class [[nodiscard("a failed send means nobody received the signal; check the result")]] send_result<void>
    : public detail::send_outcome {
public:
    static send_result ok() noexcept { return send_result(send_status::sent); }
    static send_result failed(send_status s) noexcept { return send_result(s); }

private:
    explicit send_result(send_status s) noexcept : send_outcome(s) {}
};

}  // namespace af::channel

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The error conventions shared by every `af::channel`: `recv_error` and `send_result<T>`.
///
/// - Receiving: a receive that can never succeed throws `af::channel::recv_error`, whose
///   `kind()` says why: `closed` (every sender is gone and nothing is left) or `lagged` (a
///   broadcast receiver fell behind; `missed()` says by how many values). The end of a
///   multi-value channel is not an error: `recv()` gives `std::nullopt` once the senders are gone
///   and the buffer is drained, so a stream of messages ends like every other `af::stream`.
/// - Sending never throws for a channel reason: `send_result<T>` says `sent`, `full` or `closed`,
///   and hands an unsent value back through `take_value()`.
///
///     auto r = tx.try_send(std::move(msg));
///     if (!r) log(r.status() == af::channel::send_status::full ? "busy" : "gone", r.take_value());
#include <cassert>    // take_value on a sent result
#include <cstdint>    // std::uint64_t
#include <optional>   // the unsent value
#include <stdexcept>  // std::runtime_error
#include <utility>    // std::move

namespace af::channel {

/// Why a receive failed. See the file comment.
class recv_error : public std::runtime_error {
public:
    enum class kind_t { closed, lagged };

    static recv_error closed() { return recv_error(kind_t::closed, 0, "channel closed"); }
    static recv_error lagged(std::uint64_t missed) {
        return recv_error(kind_t::lagged, missed, "receiver lagged behind");
    }

    kind_t kind() const noexcept { return kind_; }
    bool is_closed() const noexcept { return kind_ == kind_t::closed; }
    bool is_lagged() const noexcept { return kind_ == kind_t::lagged; }
    /// For `lagged`: how many values this receiver will never see.
    std::uint64_t missed() const noexcept { return missed_; }

private:
    recv_error(kind_t k, std::uint64_t missed, const char* what)
        : std::runtime_error(what), kind_(k), missed_(missed) {}
    kind_t kind_;
    std::uint64_t missed_;
};

enum class send_status {
    sent,    ///< delivered into the channel
    full,    ///< `try_send` only: no capacity right now
    closed,  ///< the receiving side is gone (or closed); the value comes back
};

/// The outcome of a send: true when sent; otherwise the value comes back with `take_value()`.
template <class T>
class [[nodiscard("a failed send hands the value back; check the result")]] send_result {
public:
    static send_result ok() noexcept { return send_result(send_status::sent, std::nullopt); }
    static send_result failed(send_status s, T v) { return send_result(s, std::optional<T>(std::move(v))); }

    send_status status() const noexcept { return status_; }
    bool is_sent() const noexcept { return status_ == send_status::sent; }
    bool is_full() const noexcept { return status_ == send_status::full; }
    bool is_closed() const noexcept { return status_ == send_status::closed; }
    explicit operator bool() const noexcept { return is_sent(); }

    /// The value that was not sent. Only on a failed result.
    T take_value() {
        assert(value_ && "af::channel::send_result::take_value on a sent result");
        return std::move(*value_);
    }

private:
    send_result(send_status s, std::optional<T> v) : status_(s), value_(std::move(v)) {}
    send_status status_;
    std::optional<T> value_;
};

}  // namespace af::channel

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::send_pipelined(conn, reply)`: queue a reply on an `af::io::framed` connection and
/// write + flush only when no further request is already received (hyper's pipeline flush, at
/// the codec level).
///
///     while (auto req = co_await af::next(conn)) {
///         auto reply = handle(*req);
///         co_await af::io::send_pipelined(conn, std::move(reply));
///     }
///
/// A client that pipelines 16 requests sends them in one segment; the server decodes all 16
/// from its buffer, and with `send_pipelined` the 16 replies go out in one write instead of
/// 16 write + flush pairs (`af::sinks::send`). A reply is never held back while the server
/// would wait for input: the flush happens as soon as no complete request is buffered, so a
/// lone request is answered at once. Backpressure stays: while 8 KiB or more are queued the
/// future first waits for the connection to take them (`framed::poll_ready`).
///
/// Cancellation: dropping the future before its first ready `poll_ready` loses the reply (it
/// was not queued); after that the reply is queued and a later send or flush writes it.
/// Errors: as `framed`'s sink (I/O errors throw). A request that fails to decode while looking
/// ahead is not thrown here: the next `af::next(conn)` throws it, after this reply is flushed.
#include <optional>  // the reply until it is queued
#include <utility>   // std::move

#include "af/core/future.hpp"
#include "af/io/framed.hpp"

namespace af::io {

/// The future made by `send_pipelined`.
template <class T, class C>
class [[nodiscard("a future does nothing until it is awaited")]] send_pipelined_future {
public:
    using output = void;
    using conn_type = framed<T, C>;
    send_pipelined_future(conn_type& conn, typename C::frame reply) : conn_(&conn), reply_(std::move(reply)) {}

    af::poll<void> poll(context& cx) {
        if (reply_) {
            if (conn_->poll_ready(cx).is_pending()) return pending;
            conn_->start_send(std::move(*reply_));
            reply_.reset();
        }
        if (conn_->has_buffered_frame()) return {};  // more requests: their replies join this one
        return conn_->poll_flush(cx);
    }

private:
    conn_type* conn_;
    std::optional<typename C::frame> reply_;
};

/// Queues `reply` on `conn`; flushes only when no complete request is buffered. See above.
template <class T, class C>
send_pipelined_future<T, C> send_pipelined(framed<T, C>& conn, typename C::frame reply) {
    return send_pipelined_future<T, C>(conn, std::move(reply));
}

}  // namespace af::io

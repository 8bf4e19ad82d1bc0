// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::sink<S, T>` concept: a place values go into, polled like a future.
///
/// A sink is the mirror of an `af::stream`. Sending one item takes two steps, so that the
/// sender can wait for room without handing the item over too early:
/// 1. `poll_ready(cx)`: ready once the sink has room for one more item; pending (with the
///    waker kept) otherwise. It does whatever work it must to make room (a buffering sink may
///    flush here). Once it has answered ready, it keeps answering ready until `start_send`.
/// 2. `start_send(v)`: hands `v` over. Only after `poll_ready` answered ready; never suspends.
///
/// The item may sit in the sink's buffer after `start_send`: `poll_flush(cx)` is ready once
/// every item handed over so far has been delivered, and `poll_close(cx)` flushes and then
/// closes the sink (no items after that). Errors are exceptions thrown from these members, for
/// example `af::closed_error` when the other side is gone.
///
///     struct printer {
///         af::poll<void> poll_ready(af::context&) { return {}; }
///         void start_send(std::string s) { std::puts(s.c_str()); }
///         af::poll<void> poll_flush(af::context&) { return {}; }
///         af::poll<void> poll_close(af::context&) { return {}; }
///     };
///     static_assert(af::sink<printer, std::string>);
///
/// Most code does not call these members: it awaits `af::sinks::send(sink, v)`, `feed`,
/// `flush`, `close` or `send_all(sink, stream)`, and builds sinks with the
/// `af::sinks` adaptors (`with`, `fanout`). An `af::channel::mpsc::sender<T>` is a sink of `T`.
/// See the book chapter "Sinks".
#include <concepts>  // std::same_as
#include <utility>   // std::forward

#include "af/core/future.hpp"

namespace af {

template <class S, class T>
concept sink = requires(S& s, context& cx, T&& v) {
    { s.poll_ready(cx) } -> std::same_as<poll<void>>;
    { s.start_send(std::forward<T>(v)) } -> std::same_as<void>;
    { s.poll_flush(cx) } -> std::same_as<poll<void>>;
    { s.poll_close(cx) } -> std::same_as<poll<void>>;
};

namespace detail {
// What `af::flush` and `af::close` need: no item type is involved, so `af::sink<S, T>` (which
// names one) cannot be used to constrain them.
template <class S>
concept flushable_sink = requires(S& s, context& cx) {
    { s.poll_flush(cx) } -> std::same_as<poll<void>>;
    { s.poll_close(cx) } -> std::same_as<poll<void>>;
};
}  // namespace detail

}  // namespace af

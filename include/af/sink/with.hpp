// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `std::move(sink) | af::sinks::with(fn)`: a sink that takes `x` and sends `fn(x)` into `sink`.
///
///     auto lines = std::move(tx) | af::sinks::with([](int v) { return std::to_string(v); });
///     co_await af::sinks::send(lines, 42);   // tx receives "42"
///
/// `fn` is a plain function, run inside `start_send`; the adapted sink accepts every `U` for
/// which `fn(U)` is something `sink` accepts. Readiness, flushing and closing are those of the
/// inner sink (closing `with` closes it). Use `af::streams::map` on the producing side instead
/// when you hold the stream rather than the sink.
///
/// Cancellation: nothing of its own; see the helper that drives it. Errors: whatever `fn` or
/// the inner sink throws; if `fn` throws, the item is lost and the inner sink keeps the room it
/// had reserved. Thread safety: as the inner sink.
#include <concepts>     // std::invocable
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move, std::forward

#include "af/sink/detail/adaptor.hpp"

namespace af::sinks {

/// The sink made by `af::sinks::with`.
template <class S, class Fn>
class with_sink {
public:
    with_sink(S s, Fn fn) : s_(std::move(s)), fn_(std::move(fn)) {}

    af::poll<void> poll_ready(context& cx) { return s_.poll_ready(cx); }

    template <class U>
        requires std::invocable<Fn&, U&&> && sink<S, std::invoke_result_t<Fn&, U&&>>
    void start_send(U&& v) {
        s_.start_send(fn_(std::forward<U>(v)));
    }

    af::poll<void> poll_flush(context& cx) { return s_.poll_flush(cx); }
    af::poll<void> poll_close(context& cx) { return s_.poll_close(cx); }

    /// The inner sink.
    S& get() noexcept { return s_; }

private:
    S s_;
    Fn fn_;
};

template <class Fn>
auto with(Fn fn) {
    return af::detail::make_sink_adaptor([fn = std::move(fn)]<class S>(S s) mutable {
        return with_sink<S, Fn>(std::move(s), std::move(fn));
    });
}

}  // namespace af::sinks

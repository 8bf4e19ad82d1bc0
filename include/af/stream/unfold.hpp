// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::streams::unfold(state, f)`: a stream built from a seed. `f(state)` returns a future of
/// `std::optional<std::pair<item, state>>`: the next item and the state for the following call,
/// or `std::nullopt` to end.
///
///     auto pages = af::streams::unfold(0, [](int page) -> af::task<std::optional<std::pair<std::string, int>>> {
///         if (page == 3) co_return std::nullopt;
///         std::string body = co_await fetch(page);
///         co_return std::pair(std::move(body), page + 1);
///     });
///
/// For a synchronous step, return `af::ready(...)`; for long bodies an `af::async_generator` is
/// usually clearer. `f` is called again only after the previous future completed.
///
/// Fused. Cancellation: destroying it destroys the future in flight and, with it, the state it
/// was given. Errors: an exception from `f` or its future propagates out of `poll_next`; the
/// state went with it, so the stream then ends. Thread safety: one thread at a time.
#include <optional>     // the state and the future in flight
#include <type_traits>  // std::invoke_result_t, std::decay_t
#include <utility>      // std::pair, std::move

#include "af/stream/stream.hpp"

namespace af::streams {

/// The stream made by `af::streams::unfold`.
template <class State, class F>
class [[nodiscard("a stream does nothing until it is polled")]] unfold_stream {
    using step = std::invoke_result_t<F&, State&&>;
    using step_output = output_of<step>;  // std::optional<std::pair<item, State>>
    static_assert(future<step>, "af::streams::unfold: f(state) must return an af::future");

public:
    using item = typename step_output::value_type::first_type;

    unfold_stream(State s, F f) : state_(std::move(s)), f_(std::move(f)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        if (!step_) {
            if (!state_) return detail::stream_end<item>();
            State s = std::move(*state_);
            state_.reset();
            step_.emplace(f_(std::move(s)));
        }
        auto p = poll_step(cx);
        if (p.is_pending()) return pending;
        step_.reset();
        step_output next = std::move(p).value();
        if (!next) return detail::stream_end<item>();
        state_.emplace(std::move(next->second));
        return af::poll<std::optional<item>>(std::in_place, std::in_place, std::move(next->first));
    }

private:
    af::poll<step_output> poll_step(context& cx) {
        try {
            return step_->poll(cx);
        } catch (...) {
            step_.reset();  // a failed step is not polled again: the stream has ended
            throw;
        }
    }

    std::optional<State> state_;
    std::optional<step> step_;
    F f_;
};

template <class State, class F>
unfold_stream<std::decay_t<State>, std::decay_t<F>> unfold(State&& s, F&& f) {
    return {std::forward<State>(s), std::forward<F>(f)};
}

}  // namespace af::streams

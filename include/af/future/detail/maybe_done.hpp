// SPDX-License-Identifier: MIT
#pragma once
// `maybe_done<F>`: a child of join/try_join/join_all, which is first the running future, then
// its output, then nothing (taken or cancelled). Holding the output in the future's place frees
// what the future owned (a task frame, a socket) as soon as it finishes, not when the whole
// combinator does. Also the helpers shared by the multi-future combinators.
#include <cstddef>      // std::size_t
#include <type_traits>  // std::conditional_t, std::is_void_v
#include <utility>      // std::in_place_index, std::index_sequence
#include <variant>      // the three states; std::monostate

#include "af/core/future.hpp"

namespace af::detail {

/// The output of `F` as a value: `void` becomes `std::monostate`.
template <class F>
using value_of = std::conditional_t<std::is_void_v<output_of<F>>, std::monostate, output_of<F>>;

/// Polls `f` once; a ready `void` output becomes `std::monostate`.
template <class F>
poll<value_of<F>> poll_as_value(F& f, context& cx) {
    if constexpr (std::is_void_v<output_of<F>>) {
        if (f.poll(cx).is_pending()) return pending;
        return std::monostate{};
    } else {
        return f.poll(cx);
    }
}

/// Calls `fn(std::integral_constant<std::size_t, i>{})` for the runtime index `i`: turns a child
/// index into the compile-time one that `std::get` needs. Returns what `fn` returns (a bool).
/// Linear in N, which is the number of arguments of a variadic combinator.
template <std::size_t... I, class Fn>
bool with_index(std::size_t i, std::index_sequence<I...>, Fn&& fn) {
    bool r = false;
    (void)((i == I ? (r = fn(std::integral_constant<std::size_t, I>{}), true) : false) || ...);
    return r;
}

template <class F>
class maybe_done {
public:
    using value_type = value_of<F>;

    explicit maybe_done(F&& f) : state_(std::in_place_index<0>, std::move(f)) {}

    /// Polls the future unless it already finished; true once the output is stored. An
    /// exception from the future propagates after the future is destroyed.
    bool poll(context& cx) {
        if (state_.index() != 0) return true;
        try {
            auto p = poll_as_value(std::get<0>(state_), cx);
            if (p.is_pending()) return false;
            state_.template emplace<1>(std::move(p).value());
        } catch (...) {
            state_.template emplace<2>();
            throw;
        }
        return true;
    }

    bool is_running() const noexcept { return state_.index() == 0; }
    /// The future while it runs, else null: what a task dump traces.
    const F* running() const noexcept { return std::get_if<0>(&state_); }

    value_type take() {
        value_type v = std::move(std::get<1>(state_));
        state_.template emplace<2>();
        return v;
    }

    /// Destroys the future (or the output) in place.
    void cancel() noexcept { state_.template emplace<2>(); }

private:
    std::variant<F, value_type, std::monostate> state_;
};

}  // namespace af::detail

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::map(f, fn)`: a future whose output is `fn(output of f)`.
///
/// `fn` runs synchronously inside the poll in which `f` completes. A `void` output of `f` calls
/// `fn()`; a `void` result of `fn` makes a `void` future. When `fn` itself returns a future that
/// should be awaited, use `af::then` instead. Inside a coroutine, plain code after `co_await`
/// does the same job; `map` is for building futures without a coroutine frame (hand-written
/// combinators, `any_future` values, `scope` children).
///
///     auto len = af::map(fetch_name(), [](std::string s) { return s.size(); });
///     auto done = af::map(af::yield_now(), [] { return 7; });   // void in, int out
///
/// Cancellation: destroying it before `f` completes destroys `f`; `fn` never runs.
/// Errors: an exception from `f` or `fn` propagates out of `poll`. Thread safety: as `f`.
#include <cassert>      // polled-after-ready check
#include <optional>     // the callable until it ran
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move

#include "af/core/future.hpp"

namespace af {

namespace detail {
template <class Fn, class T>
struct map_result {
    using type = std::invoke_result_t<Fn&&, T&&>;
};
template <class Fn>
struct map_result<Fn, void> {
    using type = std::invoke_result_t<Fn&&>;
};
}  // namespace detail

/// The future made by `af::map`.
template <future F, class Fn>
class [[nodiscard("a future does nothing until it is awaited")]] map_future {
public:
    using output = typename detail::map_result<Fn, output_of<F>>::type;

    map_future(F f, Fn fn) : inner_(std::move(f)), fn_(std::move(fn)) {}

    af::poll<output> poll(context& cx) {
        assert(fn_.has_value() && "af::map polled after it completed");
        auto p = inner_.poll(cx);
        if (p.is_pending()) return pending;
        Fn fn = std::move(*fn_);
        fn_.reset();
        return std::move(p).map(std::move(fn));
    }

private:
    F inner_;
    std::optional<Fn> fn_;
};

template <class F, class Fn>
    requires future<std::remove_cvref_t<F>>
map_future<std::remove_cvref_t<F>, std::decay_t<Fn>> map(F&& f, Fn&& fn) {
    return {std::forward<F>(f), std::forward<Fn>(fn)};
}

}  // namespace af

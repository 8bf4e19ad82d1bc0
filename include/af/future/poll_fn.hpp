// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::poll_fn(f)`: a future whose `poll` calls `f(cx)`; `f` returns `af::poll<T>`.
///
///     int n = 0;
///     co_await af::poll_fn([&](af::context& cx) -> af::poll<void> {
///         if (++n == 3) return {};
///         cx.waker().wake_by_ref();
///         return af::pending;
///     });
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move

#include "af/core/future.hpp"

namespace af {

template <class F>
class [[nodiscard("a future does nothing until it is awaited")]] poll_fn_future {
    using result = std::invoke_result_t<F&, context&>;

public:
    using output = typename result::value_type;
    explicit poll_fn_future(F f) : f_(std::move(f)) {}
    af::poll<output> poll(context& cx) { return f_(cx); }

private:
    F f_;
};

template <class F>
    requires requires(F& f, context& cx) { typename std::invoke_result_t<F&, context&>::value_type; }
poll_fn_future<F> poll_fn(F f) {
    return poll_fn_future<F>(std::move(f));
}

}  // namespace af

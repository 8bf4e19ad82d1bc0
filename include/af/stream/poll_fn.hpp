// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::streams::poll_fn(f)`: a stream whose `poll_next` calls `f(cx)`; `f` returns
/// `af::poll<std::optional<T>>`.
///
///     int n = 0;
///     auto s = af::streams::poll_fn([&](af::context&) -> af::poll<std::optional<int>> {
///         if (n == 3) return std::optional<int>();
///         return std::optional<int>(n++);
///     });
///
/// The stream rules are `f`'s to keep: register `cx.waker()` before answering pending, and
/// keep answering `std::nullopt` after the end (or wrap it in `af::streams::fuse`).
/// Thread safety: as `f`.
#include <optional>     // items
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move

#include "af/stream/stream.hpp"

namespace af::streams {

/// The stream made by `af::streams::poll_fn`.
template <class F>
class [[nodiscard("a stream does nothing until it is polled")]] poll_fn_stream {
    using result = std::invoke_result_t<F&, context&>;

public:
    using item = typename result::value_type::value_type;
    explicit poll_fn_stream(F f) : f_(std::move(f)) {}
    af::poll<std::optional<item>> poll_next(context& cx) { return f_(cx); }

private:
    F f_;
};

template <class F>
    requires requires { typename std::invoke_result_t<F&, context&>::value_type::value_type; }
poll_fn_stream<F> poll_fn(F f) {
    return poll_fn_stream<F>(std::move(f));
}

}  // namespace af::streams

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::future` concept: a value that can be polled to completion.
///
/// A future `F` declares `using output = T;` and `af::poll<T> poll(af::context&)`. Futures are
/// lazy (nothing runs until polled) and cancelled by destruction. Rules a future and its caller
/// keep:
/// - `poll` returns `af::pending` only after arranging for `cx.waker()` to be woken when it can
///   make progress; a spurious wake is harmless.
/// - Once `poll` has returned ready it is not polled again (asserted in debug builds by af's own
///   futures).
/// - Once polled, a future is not moved: combinators hand out wakers that point into it. Move a
///   future only before its first poll (the analog of Rust's `Pin`).
#include <concepts>     // std::same_as
#include <type_traits>  // std::remove_cvref_t

#include "af/core/context.hpp"
#include "af/core/poll.hpp"

namespace af {

template <class F>
concept future = requires(F& f, context& cx) {
    typename F::output;
    { f.poll(cx) } -> std::same_as<poll<typename F::output>>;
};

/// The output type of future `F`.
template <class F>
using output_of = typename std::remove_cvref_t<F>::output;

/// `af::poll<output_of<F>>`.
template <class F>
using poll_of = poll<output_of<F>>;

}  // namespace af

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::join(f...)`: run several futures concurrently and wait for all of them.
///
/// The output is a `std::tuple` of the children's outputs, in argument order; a child whose
/// output is `void` contributes a `std::monostate`, so every position has a value:
///
///     auto [x, y] = co_await af::join(add_later(1, 2), add_later(3, 4));
///     auto [v, n] = co_await af::join(af::yield_now(), af::ready(7));   // v is std::monostate
///
/// Choosing among siblings: `af::try_join` stops at the first exception instead of waiting for
/// every child; `af::join_all` takes a `std::vector` of one future type; `af::select` waits for
/// the first child only; `af::futures_unordered` yields outputs one by one as they complete.
///
/// Concurrency, not parallelism: the children run on the thread that polls the join. Each child
/// gets its own waker, so a poll only re-polls the children that were woken since the previous
/// poll (the first poll polls all of them, in argument order). The wakers are allocated once, on
/// the first poll in which a child keeps or uses one; a join whose children are all ready at once
/// allocates nothing. A finished child is destroyed at once and only its output is kept.
///
/// Errors: an exception thrown by a child is kept and the other children still run to
/// completion; the join then rethrows the first exception (the others are discarded). Use
/// `af::try_join` to cancel the rest instead.
///
/// Cancellation: destroying the join destroys every child still running and every output
/// already produced.
///
/// Thread safety: polled by one thread at a time, like any future; the children's wakers may be
/// woken from any thread.
#include <type_traits>  // std::remove_cvref_t, std::is_lvalue_reference_v
#include <utility>      // std::move

#include "af/core/future.hpp"
#include "af/future/detail/join_tuple.hpp"

namespace af {

/// The future made by `af::join`.
template <future... F>
class [[nodiscard("a future does nothing until it is awaited")]] join_future
    : public detail::join_tuple<false, F...> {
public:
    using detail::join_tuple<false, F...>::join_tuple;
};

template <class... F>
    requires(future<std::remove_cvref_t<F>> && ...)
join_future<std::remove_cvref_t<F>...> join(F&&... f) {
    // Every named future is rejected, as af::select and the stream adaptors do, even a copyable
    // one: a copy would leave the caller holding a twin that was never awaited.
    static_assert((!std::is_lvalue_reference_v<F> && ...),
                  "af::join takes ownership of its futures: pass a named future as std::move(x)");
    return join_future<std::remove_cvref_t<F>...>(std::remove_cvref_t<F>(std::move(f))...);
}

}  // namespace af

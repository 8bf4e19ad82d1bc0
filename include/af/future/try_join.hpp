// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::try_join(f...)`: like `af::join`, but the first exception cancels the other children.
///
/// The output is the same `std::tuple` as `af::join` (`void` outputs become `std::monostate`).
/// When a child throws, every other child is destroyed in that same poll (cancelled: their
/// destructors run at once) and the exception is rethrown from the try_join's `poll`, so it
/// reaches the `co_await`:
///
///     try {
///         auto [user, feed] = co_await af::try_join(load_user(id), load_feed(id));
///     } catch (const std::exception& e) {
///         // load_feed is already cancelled if load_user threw
///     }
///
/// Choosing among siblings: `af::join` waits for every child even after an exception.
///
/// Children are polled as in `af::join`: only the ones woken since the previous poll, in
/// argument order; if two throw in the same poll, the lower index's exception wins.
///
/// Cancellation: destroying the try_join destroys every child still running.
///
/// Thread safety: polled by one thread at a time; the children's wakers may be woken from any
/// thread.
#include <type_traits>  // std::remove_cvref_t, std::is_lvalue_reference_v
#include <utility>      // std::move

#include "af/core/future.hpp"
#include "af/future/detail/join_tuple.hpp"

namespace af {

/// The future made by `af::try_join`.
template <future... F>
class [[nodiscard("a future does nothing until it is awaited")]] try_join_future
    : public detail::join_tuple<true, F...> {
public:
    using detail::join_tuple<true, F...>::join_tuple;
};

template <class... F>
    requires(future<std::remove_cvref_t<F>> && ...)
try_join_future<std::remove_cvref_t<F>...> try_join(F&&... f) {
    // Every named future is rejected, as af::select and the stream adaptors do, even a copyable
    // one: a copy would leave the caller holding a twin that was never awaited.
    static_assert((!std::is_lvalue_reference_v<F> && ...),
                  "af::try_join takes ownership of its futures: pass a named future as std::move(x)");
    return try_join_future<std::remove_cvref_t<F>...>(std::remove_cvref_t<F>(std::move(f))...);
}

}  // namespace af

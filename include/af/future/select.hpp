// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::select(f...)`: run several futures concurrently and finish with the first one that is
/// ready; the others are cancelled.
///
/// The output is a `std::variant` whose alternative index is the winner's argument position
/// (a `void` output becomes `std::monostate`). The variant is built by index, so two children
/// with the same output type stay distinguishable:
///
///     auto won = co_await af::select(af::never<int>(), read_number());
///     if (won.index() == 1) use(std::get<1>(won));
///
/// When a child is ready, every other child is destroyed in that same poll, before the select
/// returns; their destructors run at once. That is cancellation: whatever a loser had started
/// (a partial read, a timer) is dropped with it.
///
/// Deterministic ties: children are polled in ascending argument order and the round stops at
/// the first ready one, so if several could be ready in the same poll the lowest index wins.
/// The first poll polls every child (until one is ready); later polls only the children woken
/// since the previous poll. Wakers are allocated once, on the first poll in which a child keeps
/// or uses one.
///
/// Choosing among siblings: `af::select_all` races a `std::vector` of one future type and hands
/// back the ones that lost instead of cancelling them; `af::join` waits for all children.
///
/// Errors: a child that throws wins: the others are cancelled and the exception is rethrown.
///
/// Cancellation: destroying the select destroys every child.
///
/// Thread safety: polled by one thread at a time; the children's wakers may be woken from any
/// thread.
#include <cassert>      // polled-after-ready check
#include <cstddef>      // std::size_t
#include <exception>    // std::exception_ptr
#include <optional>     // each child until the race ends; the winner's output
#include <tuple>        // the children
#include <type_traits>  // std::remove_cvref_t
#include <utility>      // std::in_place_index, std::index_sequence_for
#include <variant>      // the output

#include "af/core/future.hpp"
#include "af/future/detail/maybe_done.hpp"
#include "af/future/detail/wake_set.hpp"

namespace af {

/// The future made by `af::select`.
template <future... F>
class [[nodiscard("a future does nothing until it is awaited")]] select_future {
    static_assert(sizeof...(F) > 0, "af::select needs at least one future");
    static constexpr std::size_t n = sizeof...(F);

public:
    using output = std::variant<detail::value_of<F>...>;

    explicit select_future(F&&... f) : children_(std::optional<F>(std::move(f))...) {}
    select_future(select_future&&) = default;
    select_future& operator=(select_future&&) = delete;

    af::poll<output> poll(context& cx) {
        assert(!done_ && "af::select polled after it completed");
        wakes_.poll_children(cx, n, [this](std::size_t i, context& child_cx) {
            return detail::with_index(i, std::index_sequence_for<F...>{},
                                      [&](auto index) { return poll_child<decltype(index)::value>(child_cx); });
        });
        if (!winner_ && !error_) return pending;
        done_ = true;
        std::apply([](auto&... c) { (c.reset(), ...); }, children_);
        wakes_.reset();
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
        return af::poll<output>(std::in_place, std::move(*winner_));
    }

private:
    // True when child I finished (with a value or an exception): the race is over.
    template <std::size_t I>
    bool poll_child(context& cx) {
        auto& child = std::get<I>(children_);
        if (!child) return false;
        try {
            auto p = detail::poll_as_value(*child, cx);
            if (p.is_pending()) return false;
            winner_.emplace(std::in_place_index<I>, std::move(p).value());
        } catch (...) {
            error_ = std::current_exception();
        }
        return true;
    }

    std::tuple<std::optional<F>...> children_;
    detail::wake_set_ptr wakes_;
    std::optional<output> winner_;
    std::exception_ptr error_;
    bool done_ = false;
};

template <class... F>
    requires(future<std::remove_cvref_t<F>> && ...)
select_future<std::remove_cvref_t<F>...> select(F&&... f) {
    return select_future<std::remove_cvref_t<F>...>(std::remove_cvref_t<F>(std::forward<F>(f))...);
}

}  // namespace af

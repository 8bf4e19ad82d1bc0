// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::select_all(std::vector<F>)`: race a vector of futures; get the first output, its index,
/// and the futures that have not finished yet.
///
///     std::vector<af::task<int>> fs = make_tasks();
///     while (!fs.empty()) {
///         auto r = co_await af::select_all(std::move(fs));
///         use(r.value, r.index);
///         fs = std::move(r.rest);
///     }
///
/// Choosing among siblings: `af::select` races a fixed set of futures of any types and cancels
/// the losers; `af::futures_unordered` is the efficient way to take every output in completion
/// order (each `select_all` polls all its futures on its first poll, so the loop above costs
/// O(n^2) polls in total; a `futures_unordered` costs O(n)).
///
/// Any future type works. Decision: how the losers come back. They are handed back in `rest`, a
/// new vector, after they were polled, and the `af::future` contract forbids moving a polled
/// future in general (it may have handed out pointers into itself). So each future is kept in a
/// slot that may be moved: the future itself when its type satisfies `af::movable_after_poll`
/// (a handle to state elsewhere, such as `af::task`, `af::any_future`, or your own type marked
/// with `template <> inline constexpr bool af::enable_movable_after_poll<my_future> = true;`),
/// otherwise an `af::any_future` that it is moved into before its first poll, so it stays at one
/// heap address (one allocation per future, one indirect call per poll). `rest` is a
/// `std::vector<af::select_all_slot<F>>`: `std::vector<F>` on the fast path, else
/// `std::vector<af::any_future<output_of<F>>>`. To loop over `rest` with a type that does not
/// opt in, start from a vector of `af::any_future` (`af::boxed(f)`): it is its own slot.
///
/// `rest` keeps the input order with the winner removed (`rest[k]` was input `k` if
/// `k < index`, else input `k + 1`). Its futures are pending, and still registered with this
/// select_all's wakers, which wake nothing once it is gone: poll them again (any combinator or
/// `co_await` does so first) before relying on a wake-up.
///
/// Fairness: like `af::select`, each poll starts at a pseudo-random future and goes round, so a
/// future that is always ready cannot starve the others; among futures ready in the same poll
/// the winner is not the lowest index. Later polls only poll the futures woken since the
/// previous one.
///
/// Errors: a future that throws wins; the others are destroyed and the exception is rethrown.
/// The vector must not be empty (asserted in debug builds).
///
/// Cancellation: destroying the select_all destroys every future it holds.
///
/// Thread safety: polled by one thread at a time; the futures' wakers may be woken from any
/// thread.
#include <cassert>      // empty input, polled-after-ready checks
#include <concepts>     // std::move_constructible
#include <cstddef>      // std::size_t
#include <exception>    // std::exception_ptr
#include <optional>     // each future until the race ends; the winner's output
#include <type_traits>  // std::remove_cv_t, std::conditional_t
#include <utility>      // std::move
#include <vector>       // input, rest

#include "af/core/future.hpp"
#include "af/future/any_future.hpp"  // the heap slot of a future that may not move after a poll
#include "af/future/detail/maybe_done.hpp"
#include "af/future/detail/wake_set.hpp"
#include "af/future/select.hpp"  // the fair round's start and rotation

namespace af {

template <class T>
class task;

/// Opt-in: true for a future type that may be moved after it was polled (a handle whose state
/// lives elsewhere). Specialise it for your own future types.
template <class F>
inline constexpr bool enable_movable_after_poll = false;

template <class T>
inline constexpr bool enable_movable_after_poll<task<T>> = true;

template <class T>
inline constexpr bool enable_movable_after_poll<any_future<T>> = true;  // the future is on the heap

/// A future that may be moved after it was polled.
template <class F>
concept movable_after_poll =
    future<F> && std::move_constructible<F> && enable_movable_after_poll<std::remove_cv_t<F>>;

/// What `af::select_all` keeps a future of type `F` in, and hands a loser back as: `F` itself
/// when it may be moved after a poll, else an `af::any_future` (a heap slot that moves freely).
template <class F>
using select_all_slot = std::conditional_t<movable_after_poll<F>, F, any_future<output_of<F>>>;

/// The output of `af::select_all`: Rust's (output, index, remaining).
template <class F>
struct select_all_result {
    detail::value_of<F> value;               // `std::monostate` for a `void` output
    std::size_t index;                       // the winner's position in the input
    std::vector<select_all_slot<F>> rest;    // the others, in input order
};

/// The future made by `af::select_all`.
template <future F>
class [[nodiscard("a future does nothing until it is awaited")]] select_all_future {
    using slot = select_all_slot<F>;

public:
    using output = select_all_result<F>;

    explicit select_all_future(std::vector<F> fs) {
        assert(!fs.empty() && "af::select_all of an empty vector would never complete");
        children_.reserve(fs.size());
        // Moved into their slots before the first poll, which is still allowed.
        for (F& f : fs) children_.emplace_back(std::in_place, std::move(f));
    }
    select_all_future(select_all_future&&) = default;
    select_all_future& operator=(select_all_future&&) = delete;

    af::poll<output> poll(context& cx) {
        assert(!done_ && "af::select_all polled after it completed");
        std::size_t n = children_.size();
        std::size_t start = detail::select_start(n);
        if (deferred_.size() < start) deferred_.resize(n);
        detail::poll_children_from(wakes_, cx, n, start, deferred_.data(),
                                   [this](std::size_t i, context& child_cx) { return poll_child(i, child_cx); });
        if (!winner_ && !error_) return pending;
        done_ = true;
        wakes_.reset();
        if (error_) {
            children_.clear();
            std::rethrow_exception(std::exchange(error_, nullptr));
        }
        std::vector<slot> rest;
        rest.reserve(children_.size() - 1);
        for (std::optional<slot>& c : children_) {
            if (c) rest.push_back(std::move(*c));
        }
        children_.clear();
        return af::poll<output>(std::in_place, output{std::move(*winner_), index_, std::move(rest)});
    }

private:
    bool poll_child(std::size_t i, context& cx) {
        std::optional<slot>& child = children_[i];
        try {
            auto p = detail::poll_as_value(*child, cx);
            if (p.is_pending()) return false;
            winner_.emplace(std::move(p).value());
        } catch (...) {
            error_ = std::current_exception();
        }
        index_ = i;
        child.reset();
        return true;
    }

    std::vector<std::optional<slot>> children_;  // reserved once: never reallocated, never moved
    std::vector<std::size_t> deferred_;  // scratch for a rotated round, sized on first use
    detail::wake_set_ptr wakes_;
    std::optional<detail::value_of<F>> winner_;
    std::size_t index_ = 0;
    std::exception_ptr error_;
    bool done_ = false;
};

template <class F>
    requires future<F>
select_all_future<F> select_all(std::vector<F> fs) {
    return select_all_future<F>(std::move(fs));
}

}  // namespace af

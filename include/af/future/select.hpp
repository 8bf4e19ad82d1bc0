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
/// Fairness: each poll starts at a pseudo-random child and goes round from there, so a child
/// that is ready on every poll (a flooded socket, a full channel) cannot starve the others: over
/// many polls every ready child wins its share, as with tokio's and futures-rs's `select!`. The
/// start comes from a per-thread xorshift with a fixed initial state, so a single-threaded
/// program (a seeded `current_thread` runtime) replays the same choices run after run. The first
/// poll polls every child (until one is ready); later polls only the children woken since the
/// previous poll. Wakers are allocated once, on the first poll in which a child keeps or uses one.
///
/// `af::select_biased(f...)` is the same race with the old deterministic order: children are
/// polled in ascending argument order and the round stops at the first ready one, so the lowest
/// ready index always wins. Use it when the order carries meaning (a shutdown signal first) and
/// the earlier children cannot be ready for ever. See docs/design/0013-fair-select.md.
///
/// Conditional branches (tokio's `if precondition`): wrap a child in `af::when(cond, f)`. A
/// disabled branch is never polled and cannot win; `f` is still built (and destroyed with the
/// select), as in tokio. The fair start is drawn among the enabled branches only, so each ready
/// enabled branch is polled first with probability 1 / (number of enabled branches).
///
///     auto won = co_await af::select(af::when(!subs.empty(), subs.next()), read_frame(conn));
///
/// If every branch is disabled nothing could ever finish: the first poll throws
/// `af::all_branches_disabled` (a `std::logic_error`) instead of hanging; tokio panics there,
/// or takes its `else` branch. Catch it, or keep one branch always enabled (a shutdown signal).
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
#include <array>        // the children deferred by a rotated round
#include <cassert>      // polled-after-ready check
#include <cstddef>      // std::size_t
#include <cstdint>      // the start generator's state
#include <exception>    // std::exception_ptr
#include <optional>     // each child until the race ends; the winner's output
#include <stdexcept>    // std::logic_error: every branch disabled
#include <tuple>        // the children
#include <type_traits>  // std::remove_cvref_t, std::is_lvalue_reference_v
#include <utility>      // std::in_place_index, std::index_sequence_for
#include <variant>      // the output

#include "af/core/future.hpp"
#include "af/core/detail/trace.hpp"  // trace: a dump shows each branch
#include "af/future/detail/maybe_done.hpp"
#include "af/future/detail/wake_set.hpp"

namespace af {

/// Thrown by the first poll of an `af::select` whose branches are all `af::when(false, ...)`.
class all_branches_disabled : public std::logic_error {
public:
    all_branches_disabled()
        : std::logic_error(
              "af::select: every branch is disabled (af::when(false, ...)), so none could ever finish; "
              "keep one branch enabled or check the conditions before selecting") {}
};

/// The future made by `af::when(cond, f)`: `f` as a select branch that is enabled only if
/// `cond` was true. Polled on its own, it behaves as `f` (polling a disabled one is a bug).
template <future F>
class [[nodiscard("a future does nothing until it is awaited")]] when_future {
public:
    using output = output_of<F>;
    when_future(bool enabled, F&& f) : enabled_(enabled), f_(std::move(f)) {}
    bool enabled() const noexcept { return enabled_; }
    af::poll<output> poll(context& cx) {
        assert(enabled_ && "af::when: a disabled branch was polled");
        return f_.poll(cx);
    }

private:
    bool enabled_;
    F f_;
};

/// A select branch taken only if `cond` holds: `af::select(af::when(ok, f), g)`.
template <class F>
    requires future<std::remove_cvref_t<F>>
when_future<std::remove_cvref_t<F>> when(bool cond, F&& f) {
    static_assert(!std::is_lvalue_reference_v<F>,
                  "af::when takes ownership of its future: pass a named future as std::move(x)");
    return when_future<std::remove_cvref_t<F>>(cond, std::remove_cvref_t<F>(std::move(f)));
}

namespace detail {

// The per-thread start generator of the fair selects (xorshift64). A fixed initial state, not a
// seed from the clock: a program whose polls happen in the same order on one thread makes the
// same choices every run (see ADR 0013). Constant-initialised and trivially destructible, so
// reading it needs no TLS wrapper call.
inline thread_local std::uint64_t select_rng_state = 0x9e3779b97f4a7c15ull;

/// Restarts the calling thread's select starts from `seed` (zero is mapped to a non-zero state).
inline void reseed_select(std::uint64_t seed) noexcept {
    select_rng_state = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
}

/// A start index below `n` for one fair round.
inline std::size_t select_start(std::size_t n) noexcept {
    if (n < 2) return 0;
    std::uint64_t x = select_rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    select_rng_state = x;
    return static_cast<std::size_t>(x % n);
}

// wake_set_ptr::poll_children, but the round goes start, start + 1, ..., n - 1, 0, ..., start - 1.
// poll_children hands out indices in ascending order, so the ones below `start` are set aside in
// `deferred` (room for `start` indices) and polled after it returns, with owning slot wakers.
// In the first round those children have no slot waker yet unless some child made the wake_set
// allocate, so the last child's probe waker is cloned once to force it (an allocation that a
// pending round makes anyway).
template <class F>
void poll_children_from(wake_set_ptr& wakes, context& cx, std::size_t n, std::size_t start, std::size_t* deferred,
                        F&& f) {
    if (start == 0) {
        wakes.poll_children(cx, n, f);
        return;
    }
    std::size_t count = 0;
    bool finished = false;
    wakes.poll_children(cx, n, [&](std::size_t i, context& child_cx) {
        if (i < start) {
            deferred[count++] = i;
            return false;
        }
        finished = f(i, child_cx);
        if (!finished && count != 0 && i == n - 1 && wakes.get() == nullptr) {
            waker forced = child_cx.waker();  // a probe's clone allocates the wake_set
        }
        return finished;
    });
    if (finished || count == 0) return;
    wake_set* s = wakes.get();
    assert(s != nullptr && "af::select: deferred children without a wake_set");
    for (std::size_t k = 0; k < count; ++k) {
        waker w = s->waker_for(deferred[k]);
        context child_cx(w);
        if (f(deferred[k], child_cx)) return;
    }
}

}  // namespace detail

/// The future made by `af::select` (`Biased = false`) and `af::select_biased` (`Biased = true`).
template <bool Biased, future... F>
class [[nodiscard("a future does nothing until it is awaited")]] basic_select_future {
    static_assert(sizeof...(F) > 0, "af::select needs at least one future");
    static constexpr std::size_t n = sizeof...(F);

public:
    using output = std::variant<detail::value_of<F>...>;

    explicit basic_select_future(F&&... f) : children_(std::optional<F>(std::move(f))...) {
        // An af::when(false, ...) branch is dropped now: it is never polled.
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((enabled_[I] = branch_enabled(*std::get<I>(children_))), ...);
        }(std::index_sequence_for<F...>{});
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((enabled_[I] ? void(++live_) : std::get<I>(children_).reset()), ...);
        }(std::index_sequence_for<F...>{});
    }
    basic_select_future(basic_select_future&&) = default;
    basic_select_future& operator=(basic_select_future&&) = delete;

    af::poll<output> poll(context& cx) {
        assert(!done_ && "af::select polled after it completed");
        if (live_ == 0) {
            done_ = true;
            throw all_branches_disabled();
        }
        auto poll_one = [this](std::size_t i, context& child_cx) {
            return detail::with_index(i, std::index_sequence_for<F...>{},
                                      [&](auto index) { return poll_child<decltype(index)::value>(child_cx); });
        };
        if constexpr (Biased) {
            wakes_.poll_children(cx, n, poll_one);
        } else {
            std::array<std::size_t, n> deferred;
            detail::poll_children_from(wakes_, cx, n, fair_start(), deferred.data(), poll_one);
        }
        if (!winner_ && !error_) return pending;
        done_ = true;
        std::apply([](auto&... c) { (c.reset(), ...); }, children_);
        wakes_.reset();
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
        return af::poll<output>(std::in_place, std::move(*winner_));
    }

    /// For task dumps (af/core/detail/trace.hpp): the children still racing, one branch each.
    void trace(detail::trace_sink& out) const {
        out.on_leaf(Biased ? "af::select_biased" : "af::select");
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((std::get<I>(children_) ? detail::trace_branch(I, *std::get<I>(children_), out) : void()), ...);
        }(std::index_sequence_for<F...>{});
    }

private:
    template <class G>
    static bool branch_enabled(const G& g) noexcept {
        if constexpr (requires { { g.enabled() } -> std::same_as<bool>; }) {
            return g.enabled();
        } else {
            return true;
        }
    }

    // The k-th enabled branch for a random k: every enabled branch starts a round equally often.
    std::size_t fair_start() const noexcept {
        std::size_t k = detail::select_start(live_);
        if (live_ == n) return k;
        for (std::size_t i = 0; i < n; ++i) {
            if (enabled_[i] && k-- == 0) return i;
        }
        return 0;
    }

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
    std::array<bool, n> enabled_{};
    std::size_t live_ = 0;  // enabled branches
    bool done_ = false;
};

/// The future made by `af::select`.
template <future... F>
using select_future = basic_select_future<false, F...>;

/// The future made by `af::select_biased`.
template <future... F>
using select_biased_future = basic_select_future<true, F...>;

/// Races `f...`; each poll starts at a pseudo-random child (see the top of this file).
template <class... F>
    requires(future<std::remove_cvref_t<F>> && ...)
select_future<std::remove_cvref_t<F>...> select(F&&... f) {
    static_assert((!std::is_lvalue_reference_v<F> && ...),
                  "af::select takes ownership of its futures: pass a named future as std::move(x)");
    return select_future<std::remove_cvref_t<F>...>(std::remove_cvref_t<F>(std::move(f))...);
}

/// Races `f...`, polling them in argument order: the lowest ready index wins.
template <class... F>
    requires(future<std::remove_cvref_t<F>> && ...)
select_biased_future<std::remove_cvref_t<F>...> select_biased(F&&... f) {
    static_assert((!std::is_lvalue_reference_v<F> && ...),
                  "af::select_biased takes ownership of its futures: pass a named future as std::move(x)");
    return select_biased_future<std::remove_cvref_t<F>...>(std::remove_cvref_t<F>(std::move(f))...);
}

}  // namespace af

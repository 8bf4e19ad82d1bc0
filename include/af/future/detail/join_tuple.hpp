// SPDX-License-Identifier: MIT
#pragma once
// The state machine behind af::join and af::try_join: a tuple of `maybe_done` children polled
// through a `wake_set`. The two differ only in what a child's exception does: join records the
// first one and keeps driving the other children until all are done; try_join (ShortCircuit)
// cancels every other child in the same poll and rethrows at once.
#include <cassert>    // polled-after-ready check
#include <cstddef>    // std::size_t
#include <exception>  // std::exception_ptr
#include <tuple>      // children and output
#include <utility>    // std::index_sequence_for

#include "af/core/future.hpp"
#include "af/future/detail/maybe_done.hpp"
#include "af/core/detail/trace.hpp"  // trace: a dump shows each branch
#include "af/future/detail/wake_set.hpp"

namespace af::detail {

template <bool ShortCircuit, class... F>
class join_tuple {
    static constexpr std::size_t n = sizeof...(F);

public:
    using output = std::tuple<value_of<F>...>;

    explicit join_tuple(F&&... f) : children_(maybe_done<F>(std::move(f))...) {}
    join_tuple(join_tuple&&) = default;
    join_tuple& operator=(join_tuple&&) = delete;

    af::poll<output> poll(context& cx) {
        assert(!done_ && "af::join/af::try_join polled after it completed");
        wakes_.poll_children(cx, n, [this](std::size_t i, context& child_cx) {
            return with_index(i, std::index_sequence_for<F...>{},
                              [&](auto index) { return poll_child<decltype(index)::value>(child_cx); });
        });
        if (ShortCircuit && error_) {
            finish();
            std::apply([](auto&... c) { (c.cancel(), ...); }, children_);
            std::rethrow_exception(std::exchange(error_, nullptr));
        }
        if (remaining_ > 0) return pending;
        finish();
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
        return std::apply([](auto&... c) { return af::poll<output>(std::in_place, c.take()...); },
                          children_);
    }

    /// For task dumps (af/core/detail/trace.hpp): the children still running, one branch each.
    void trace(trace_sink& out) const {
        out.on_leaf(ShortCircuit ? "af::try_join" : "af::join");
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((std::get<I>(children_).running() ? trace_branch(I, *std::get<I>(children_).running(), out) : void()), ...);
        }(std::index_sequence_for<F...>{});
    }

private:
    // True ends the round early: only a try_join's first exception does.
    template <std::size_t I>
    bool poll_child(context& cx) {
        auto& child = std::get<I>(children_);
        if (!child.is_running()) return false;  // a late wake of a finished child
        try {
            if (child.poll(cx)) --remaining_;
        } catch (...) {
            --remaining_;
            if (!error_) error_ = std::current_exception();
            return ShortCircuit;
        }
        return false;
    }

    void finish() noexcept {
        done_ = true;
        wakes_.reset();
    }

    std::tuple<maybe_done<F>...> children_;
    wake_set_ptr wakes_;
    std::size_t remaining_ = n;
    std::exception_ptr error_;
    bool done_ = false;
};

}  // namespace af::detail

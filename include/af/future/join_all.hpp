// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::join_all(std::vector<F>)`: run a vector of futures concurrently and wait for all of them.
///
/// The output is a `std::vector` of the outputs in input order (not completion order); a `void`
/// output becomes `std::monostate`:
///
///     std::vector<af::task<int>> fs;
///     for (int i = 0; i < 10; ++i) fs.push_back(fetch(i));
///     std::vector<int> all = co_await af::join_all(std::move(fs));
///
/// Choosing among siblings: `af::join` takes a fixed number of futures of any types;
/// `af::futures_unordered` gives each output as soon as it completes, and accepts new futures
/// while running.
///
/// Each future gets its own waker: a poll re-polls only the futures woken since the previous
/// poll (the first poll polls all of them), so one wake costs one child poll, not n. The wakers
/// are allocated once, on the first poll in which a future keeps or uses one. A finished future
/// is destroyed at once and only its output is kept.
///
/// Errors: as `af::join`: the first exception is rethrown once every future has finished.
///
/// Cancellation: destroying the join_all destroys every future still running and every output
/// already produced.
///
/// Thread safety: polled by one thread at a time; the futures' wakers may be woken from any
/// thread.
#include <cassert>    // polled-after-ready check
#include <concepts>   // std::same_as
#include <cstddef>    // std::size_t
#include <exception>  // std::exception_ptr
#include <type_traits>  // std::remove_cvref_t, std::is_lvalue_reference_v
#include <utility>    // std::move
#include <vector>     // input, children, output

#include "af/core/future.hpp"
#include "af/core/detail/trace.hpp"  // trace: a dump shows each branch
#include "af/future/detail/maybe_done.hpp"
#include "af/future/detail/wake_set.hpp"

namespace af {

/// The future made by `af::join_all`.
template <future F>
class [[nodiscard("a future does nothing until it is awaited")]] join_all_future {
public:
    using output = std::vector<detail::value_of<F>>;

    explicit join_all_future(std::vector<F> fs) : remaining_(fs.size()) {
        children_.reserve(fs.size());
        for (F& f : fs) children_.emplace_back(std::move(f));
    }
    join_all_future(join_all_future&&) = default;
    join_all_future& operator=(join_all_future&&) = delete;

    af::poll<output> poll(context& cx) {
        assert(!done_ && "af::join_all polled after it completed");
        wakes_.poll_children(cx, children_.size(),
                             [this](std::size_t i, context& child_cx) { return poll_child(i, child_cx); });
        if (remaining_ > 0) return pending;
        done_ = true;
        wakes_.reset();
        if (error_) {
            children_.clear();
            std::rethrow_exception(std::exchange(error_, nullptr));
        }
        output out;
        out.reserve(children_.size());
        for (auto& c : children_) out.push_back(c.take());
        children_.clear();
        return af::poll<output>(std::in_place, std::move(out));
    }

    /// For task dumps (af/core/detail/trace.hpp): the children still running, one branch each.
    void trace(detail::trace_sink& out) const {
        out.on_leaf("af::join_all");
        for (std::size_t i = 0; i < children_.size(); ++i) {
            if (const F* f = children_[i].running()) detail::trace_branch(i, *f, out);
        }
    }

private:
    bool poll_child(std::size_t i, context& cx) {
        detail::maybe_done<F>& child = children_[i];
        if (!child.is_running()) return false;  // a late wake of a finished future
        try {
            if (child.poll(cx)) --remaining_;
        } catch (...) {
            --remaining_;
            if (!error_) error_ = std::current_exception();
        }
        return false;
    }

    std::vector<detail::maybe_done<F>> children_;
    detail::wake_set_ptr wakes_;
    std::size_t remaining_;
    std::exception_ptr error_;
    bool done_ = false;
};

// A forwarding reference rather than a vector by value: a named vector of tasks would otherwise
// fail deep inside std::vector's copy, far from the call.
template <class V, class F = typename std::remove_cvref_t<V>::value_type>
    requires std::same_as<std::remove_cvref_t<V>, std::vector<F>> && future<F>
join_all_future<F> join_all(V&& fs) {
    // Rejected even for copyable futures, as af::join does: the caller would keep unawaited twins.
    static_assert(!std::is_lvalue_reference_v<V>,
                  "af::join_all takes ownership of its futures: pass a named vector as std::move(v)");
    return join_all_future<F>(std::vector<F>(std::move(fs)));
}

}  // namespace af

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::detail::task_trace`: collects the trace of a suspended future (af/core/detail/trace.hpp)
/// into a vector of await points and the leaf's type name. What `af::rt::dump_tasks` reads.
///
///     af::detail::task_trace t;
///     header->trace(t);                        // a spawned task (task_header::trace), or
///     af::detail::trace_future(my_task, t);    // any future, while nobody polls it
///     // t.frames: outermost co_await first; t.leaf: e.g. "af::test::manual_future<int>::future"
///
/// Kept apart from trace.hpp so that recording (in every af coroutine) does not pull in
/// <vector>.
#include <cstddef>      // std::size_t
#include <string_view>  // the leaf's name
#include <vector>       // the frames

#include "af/core/detail/trace.hpp"

namespace af::detail {

/// One chain: its frames, its leaf and, when the leaf is a combinator, a chain per running child.
struct trace_node {
    std::size_t index = 0;            // which child of the parent's combinator (branches only)
    std::vector<await_point> frames;  // outermost first
    std::string_view leaf;            // empty: not waiting on a future (or not started / done)
    std::vector<trace_node> branches;
};

struct task_trace final : trace_sink, trace_node {
    void on_frame(const await_point& p) override { top().frames.push_back(p); }
    void on_leaf(std::string_view type) override { top().leaf = type; }
    void on_branch(std::size_t index) override {
        // Only the innermost open node grows, so the pointers to its ancestors stay valid.
        trace_node& b = top().branches.emplace_back();
        b.index = index;
        open_.push_back(&b);
    }
    void on_branch_end() override {
        if (!open_.empty()) open_.pop_back();
    }

private:
    trace_node& top() noexcept { return open_.empty() ? *this : *open_.back(); }
    std::vector<trace_node*> open_;
};

}  // namespace af::detail

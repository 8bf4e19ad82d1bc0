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
#include <string_view>  // the leaf's name
#include <vector>       // the frames

#include "af/core/detail/trace.hpp"

namespace af::detail {

struct task_trace final : trace_sink {
    std::vector<await_point> frames;  // outermost first
    std::string_view leaf;            // empty: not waiting on a future (or not started / done)

    void on_frame(const await_point& p) override { frames.push_back(p); }
    void on_leaf(std::string_view type) override { leaf = type; }
};

}  // namespace af::detail

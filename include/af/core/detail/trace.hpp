// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// What a suspended future is waiting on, for diagnostics (`af::rt::dump_tasks`): the chain of
/// `co_await` sites from the outermost `af::task` (or `af::async_generator`) down to the
/// innermost suspended one, and the type of the leaf future at the bottom. This header is the
/// recording side, included by every af coroutine, so it stays small: it reports to a
/// `trace_sink`. `af/core/detail/task_trace.hpp` has the collector to read a trace with:
///
///     af::detail::task_trace t;
///     af::detail::trace_future(my_task, t);   // only while nobody polls my_task
///     for (const auto& p : t.frames) std::printf("at %s:%u in %s\n", p.file, p.line, p.function);
///     std::printf("waiting on %.*s\n", int(t.leaf.size()), t.leaf.data());
///
/// How it is recorded (docs/design/0006-task-tracing.md): every af coroutine's
/// `await_transform` takes a defaulted source-location pointer and stores it in its promise (one
/// pointer store per `co_await`); a coroutine that awaits a task also stores a pointer to the
/// child's promise; the leaf awaiter registers a function that names the leaf's type. Nothing
/// is walked or formatted until someone asks.
///
/// Compile with `-DAF_NO_TASK_TRACE` (in every translation unit of the program: it changes the
/// promise layout) to drop the per-await stores: traces then list no frames, only the leaf's
/// type.
///
/// Thread safety: tracing reads the frames of a task without synchronisation; the caller must
/// make sure no thread polls (or destroys) the future meanwhile, and that the last poll's
/// writes are visible to it (e.g. it acquired the task's state after that poll released it).
#include <bit>              // std::bit_cast of a recorded site
#include <cstddef>          // std::size_t: a branch's index
#include <source_location>  // reading a recorded site
#include <string_view>      // type names

#ifndef AF_NO_TASK_TRACE
#if !defined(__has_builtin)
#error "af task tracing needs __builtin_source_location (GCC 12+, Clang 16+); or define AF_NO_TASK_TRACE"
#elif !__has_builtin(__builtin_source_location)
#error "af task tracing needs __builtin_source_location (GCC 12+, Clang 16+); or define AF_NO_TASK_TRACE"
#endif
// The default argument of await_transform / yield_value that records where a co_await is. It
// is the builtin behind std::source_location::current(), returning a pointer: with a
// std::source_location (a class) as the default argument instead, GCC 12 keeps that temporary
// alive in the coroutine frame, 8 bytes per co_await expression (Clang too for a const&
// parameter), while a pointer argument costs no frame space.
#define AF_DETAIL_AWAIT_SITE() __builtin_source_location()
#else
#define AF_DETAIL_AWAIT_SITE() nullptr
#endif

namespace af::detail {

/// One suspended `co_await` (or `co_yield`): where it is in the source. The strings are static
/// (they come from `std::source_location`). With GCC 12, `function` names the coroutine's
/// compiler-generated body, e.g. `void ns::f(ns::f(int)::_ZN2ns1fEi.Frame*)`: the qualified
/// name before the first `(` is the coroutine's.
struct await_point {
    const char* file;
    unsigned line;
    const char* function;
};

/// Receives a trace, outermost frame first, then the leaf (see task_trace.hpp for the usual
/// collector). A frame is a suspended af coroutine; the leaf is the type of the future the
/// innermost one waits on. A coroutine that has not started (or has finished) reports nothing;
/// a generator stopped at a `co_yield` reports its frame and no leaf.
///
/// A combinator (select, join, timeout) reports itself as the leaf and then each child still
/// running between `on_branch(i)` and `on_branch_end()`, so a dump shows every branch's chain.
class trace_sink {
public:
    virtual void on_frame(const await_point& p) = 0;
    virtual void on_leaf(std::string_view type) = 0;  // static storage (__PRETTY_FUNCTION__)
    /// Opens the trace of child `index` of the combinator just reported as the leaf.
    virtual void on_branch(std::size_t index) { (void)index; }
    virtual void on_branch_end() {}

protected:
    trace_sink() = default;
    trace_sink(const trace_sink&) = default;
    trace_sink& operator=(const trace_sink&) = default;
    ~trace_sink() = default;
};

template <class T>
constexpr const char* pretty_signature() noexcept {
    return __PRETTY_FUNCTION__;
}

/// `T`'s name as the compiler spells it, e.g. `af::test::manual_future<int>::future`. Computed
/// from `__PRETTY_FUNCTION__` ("... [with T = X]" on GCC, "... [T = X]" on Clang), so only the
/// address of this function is stored on the hot path; the text is found when someone asks.
template <class T>
constexpr std::string_view type_name() noexcept {
    std::string_view s = pretty_signature<T>();
    std::size_t begin = s.find("T = ");
    std::size_t end = s.rfind(']');
    if (begin == std::string_view::npos || end == std::string_view::npos || end < begin + 4) return s;
    return s.substr(begin + 4, end - begin - 4);
}

// A recorded site is the pointer `__builtin_source_location()` returns, which is exactly what a
// std::source_location holds with GCC and Clang (libstdc++ and libc++): recording the pointer
// rather than a std::source_location keeps the frame from growing (see AF_DETAIL_AWAIT_SITE).
static_assert(sizeof(std::source_location) == sizeof(const void*),
              "af task tracing: std::source_location is expected to be one pointer");

inline await_point to_await_point(const void* site) noexcept {
    const auto loc = std::bit_cast<std::source_location>(site);
    return {loc.file_name(), static_cast<unsigned>(loc.line()), loc.function_name()};
}

/// Reports `f`'s trace to `out`: an af coroutine (anything with a `trace(trace_sink&) const`
/// member) walks its await chain; any other future is named by its type. Call it only while no
/// thread polls `f`.
template <class F>
void trace_future(const F& f, trace_sink& out) {
    if constexpr (requires { f.trace(out); }) {
        f.trace(out);
    } else {
        out.on_leaf(type_name<F>());
    }
}

/// Reports child `index` of a combinator as one branch.
template <class F>
void trace_branch(std::size_t index, const F& child, trace_sink& out) {
    out.on_branch(index);
    trace_future(child, out);
    out.on_branch_end();
}

}  // namespace af::detail

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::block_on(f)`: run a future to completion on the calling thread.
///
/// The thread polls `f`, and while `f` is pending it sleeps until `f`'s waker is woken (from
/// any thread). It is the bridge from synchronous code (`main`, a test, a callback) into af:
///
///     int main() { return af::block_on(serve()); }
///
/// Exceptions thrown by `f` propagate out of `block_on`. Do not call it from inside a task
/// that an executor is polling: the executor's thread would sleep while it has other work.
#include <type_traits>  // std::remove_cvref_t
#include <utility>      // std::forward

#include "af/core/future.hpp"

namespace af {

namespace detail {
// Out of line in src/executor/block_on.cpp: one parker per thread, woken by its waker.
waker current_thread_waker();
void park_current_thread();
void unpark_current_thread();

struct block_on_nesting {
    static inline thread_local int depth = 0;
    block_on_nesting() noexcept { ++depth; }
    // An inner block_on may have consumed a wake meant for an outer one: re-arm it.
    ~block_on_nesting() {
        if (--depth > 0) unpark_current_thread();
    }
};
}  // namespace detail

template <class F>
    requires future<std::remove_cvref_t<F>>
output_of<F> block_on(F&& f) {
    // Rvalues are owned here; lvalues are polled where they are (they are not moved once polled).
    F fut = std::forward<F>(f);
    detail::block_on_nesting nesting;
    waker w = detail::current_thread_waker();
    context cx(w);
    for (;;) {
        auto p = fut.poll(cx);
        if (p.is_ready()) return std::move(p).value();
        detail::park_current_thread();
    }
}

}  // namespace af

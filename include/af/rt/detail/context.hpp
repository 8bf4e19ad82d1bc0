// SPDX-License-Identifier: MIT
#pragma once
// What a thread inside an af runtime can reach: the runtime's scheduler, its time driver and its
// blocking pool. Worker threads, blocking-pool threads, the thread inside `block_on` and a thread
// that entered a runtime (`handle::enter`) install it for their lifetime (`context_scope`);
// free functions such as `af::rt::spawn`, `af::time::sleep` and `af::rt::spawn_blocking` read
// it. One thread-local struct rather than one per component keeps the lookup to one TLS access.
#include "af/rt/detail/fwd.hpp"

namespace af::rt::detail {

struct runtime_context {
    runtime_core* rt = nullptr;                    // the runtime (spawn, handle::current)
    af::time::detail::time_driver* time = nullptr;  // null when time is not enabled
    blocking_pool* blocking = nullptr;
    reactor* io = nullptr;                          // null when I/O is not enabled
};

/// The context of the calling thread (all null outside a runtime).
runtime_context& current() noexcept;

/// The innermost live `handle::enter` guard of the calling thread (null when none), so that a
/// guard destroyed out of order, or on another thread, is caught (src/rt/runtime.cpp).
const void*& innermost_enter_guard() noexcept;

/// Throws std::logic_error saying that `what` was called outside an af runtime, and how to get
/// into one. Every runtime-bound operation uses it, so that the fix reads the same everywhere.
[[noreturn]] void throw_outside_runtime(const char* what);

/// Installs `c` on this thread until destroyed, then restores the previous one (runtimes nest:
/// a test may block_on one runtime from a task of another).
class context_scope {
public:
    explicit context_scope(const runtime_context& c) noexcept : saved_(current()) { current() = c; }
    context_scope(const context_scope&) = delete;
    context_scope& operator=(const context_scope&) = delete;
    ~context_scope() { current() = saved_; }

private:
    runtime_context saved_;
};

}  // namespace af::rt::detail

// SPDX-License-Identifier: MIT
#pragma once
// What a thread inside an af runtime can reach: the runtime's scheduler, its time driver and its
// blocking pool. Worker threads, blocking-pool threads and the thread inside `block_on` install
// it for their lifetime (`context_scope`); free functions such as `af::rt::spawn`,
// `af::time::sleep` and `af::rt::spawn_blocking` read it. One thread-local struct rather than
// one per component keeps the lookup to one TLS access.
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

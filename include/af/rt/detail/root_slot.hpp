// SPDX-License-Identifier: MIT
#pragma once
// The future a thread gives to `block_on`, registered so that a task dump can list it
// (issue 21). A dump may come from any thread (a task, the signal-dump thread) while the
// block_on thread polls the future, so reading it is guarded by a three-state word:
// idle -> polling around each poll (by the block_on thread), idle -> inspecting around a trace
// (by the dump). Whoever finds it taken backs off: the poller spins for the moment a trace
// takes; the dump reports the future as running. Two RMWs per root poll; tasks pay nothing.
#include <cstdint>  // the state word

#include "af/core/detail/trace.hpp"  // trace_sink
#include "af/detail/sync.hpp"        // atomics a model checker can swap in
#include "af/rt/detail/fwd.hpp"      // runtime_core

namespace af::rt::detail {

struct root_slot {
    enum : std::uint8_t { idle, polling, inspecting };
    const void* future = nullptr;
    void (*trace)(const void* future, af::detail::trace_sink& out) = nullptr;
    runtime_core* rt = nullptr;
    af::detail::sync::atomic<std::uint8_t> state{idle};
    root_slot* prev = nullptr;  // the registry's list (runtime.cpp), under its mutex
    root_slot* next = nullptr;

    void begin_poll() noexcept;  // runtime.cpp: spins while a dump reads the future
    void end_poll() noexcept { state.store(idle, std::memory_order_release); }
};

/// Lists `s` for dumps of `s.rt` until the guard goes (the end of block_on).
class root_registration {
public:
    explicit root_registration(root_slot& s);
    ~root_registration();
    root_registration(const root_registration&) = delete;
    root_registration& operator=(const root_registration&) = delete;

private:
    root_slot& s_;
};

}  // namespace af::rt::detail

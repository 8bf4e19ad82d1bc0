// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The one door through which af's concurrent internals reach atomics, fences, mutexes and
/// condition variables (tokio's `loom` layer). Built normally these are the std types, with no
/// cost. Built with AF_MODEL (only the model-checking tests of tests/model/ are) they are the
/// checker's, which run a scenario under every interleaving and, in weak-memory mode, every
/// store a load may read: docs/design/0012-model-checker.md. Internal: namespace
/// `af::detail::sync`; code outside af's lock-free structures keeps using std directly.
#ifdef AF_MODEL
#include <af_model/model.hpp>  // tests/model/af_model: the checker's types

namespace af::detail::sync {
template <class T>
using atomic = ::af::model::atomic<T>;
inline void atomic_thread_fence(std::memory_order o) { ::af::model::fence(o); }
using mutex = ::af::model::mutex;
using condition_variable = ::af::model::condition_variable;
/// Deprioritises the spinning thread so that the checker's spin loops terminate.
inline void spin_loop_hint() { ::af::model::yield(); }
}  // namespace af::detail::sync
#else
#include <atomic>  // std::atomic, std::atomic_thread_fence
#include <mutex>   // std::mutex

// sync::condition_variable is in af/detail/sync_condition_variable.hpp: <condition_variable> is
// ~2,200 lines that the public headers including this one do not need.
namespace af::detail::sync {
template <class T>
using atomic = std::atomic<T>;
using std::atomic_thread_fence;
using mutex = std::mutex;
/// A pause in a spin loop: lets the sibling hyperthread run, saves power.
inline void spin_loop_hint() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}
}  // namespace af::detail::sync
#endif

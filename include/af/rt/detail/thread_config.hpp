// SPDX-License-Identifier: MIT
#pragma once
// What the runtime's builder says about the threads it starts: their name and the hooks that
// run first and last on each of them. The builder fills one; the worker threads and the
// blocking pool's threads both apply it (`apply_thread_name` + the hooks), so a user's
// `on_start` sees every thread the runtime owns.
#include <functional>  // std::function hooks
#include <string>      // the name

namespace af::rt::detail {

struct thread_config {
    /// The thread's name as shown by debuggers and `top -H` (pthread_setname_np). Linux keeps
    /// 15 bytes; longer names are truncated. Empty: the thread keeps the name it inherited.
    std::string name;
    /// Runs on the new thread before it takes any work (inside the runtime's context). Must not
    /// throw: there is no caller to report to (an exception terminates the process).
    std::function<void()> on_start;
    /// Runs on the thread after its last piece of work, just before it exits. Must not throw.
    std::function<void()> on_stop;
};

/// Names the calling thread `name` (truncated to 15 bytes); does nothing for an empty name.
void apply_thread_name(const std::string& name) noexcept;

}  // namespace af::rt::detail

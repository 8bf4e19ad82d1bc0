// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::rt::dump_tasks()`: every live task of a runtime and what it is waiting on.
///
/// For a task suspended in an `af::task` coroutine the dump shows the chain of `co_await`s from
/// the spawned task down to the innermost one, with the file and line of each, and the type of
/// the future at the bottom:
///
///     for (const af::rt::task_dump& t : af::rt::dump_tasks()) std::fputs(to_string(t).c_str(), stdout);
///
///     task 0x6040000011d0 idle
///       at examples/chat.cpp:41 in serve(...)
///       at examples/chat.cpp:77 in read_line(...)
///       waiting on af::channel::mpsc::recv_future<std::string>
///
/// A task waiting on a combinator (`select`, `join`, `join_all`, `try_join`, `timeout`) shows
/// each child still running as a branch with its own chain, nested as deep as they go:
///
///     task 0x6040000011d0 idle
///       at examples/chat.cpp:41 in serve(...)
///       waiting on af::select:
///         branch 0
///           at examples/chat.cpp:77 in read_line(...)
///           waiting on af::net::tcp_stream::read_future
///         branch 1
///           waiting on af::time::sleep_future
///
/// The futures given to `block_on` are listed too (`is_root`, printed as "block_on future").
///
/// Cost: recording the await points costs each `co_await` a couple of stores (measured in
/// docs/design/0006-task-tracing.md); the dump itself locks each idle task for the moment it
/// is read, so it may be called from production code (an admin endpoint, a signal handler
/// task). Tasks that are queued or running at that instant are listed without frames: reading
/// them would race with the worker polling them. A running task shows its worker and, when the
/// blocking watchdog is on, how long its current poll has run ("running on worker 1 for at
/// least 250 ms"). A block_on future pays two atomic operations per poll for being listed.
#include <chrono>   // running_for
#include <cstddef>  // std::size_t
#include <string>   // to_string
#include <vector>  // the dump

namespace af::rt {

/// Where a task is suspended: one `co_await` of its chain.
struct await_site {
    std::string file;
    unsigned line = 0;
    std::string function;
};

/// One child still running inside a combinator (`select`, `join`, `join_all`, `try_join`,
/// `timeout`): its own chain, and its own branches when it waits on a combinator in turn.
struct task_dump_branch {
    std::size_t index = 0;  ///< the child's position among the combinator's arguments
    std::vector<await_site> chain;
    std::string leaf;
    std::vector<task_dump_branch> branches;
};

struct task_dump {
    enum class task_state { idle, scheduled, running };
    const void* id = nullptr;  ///< the task's address; null for a future given to block_on
    task_state state = task_state::idle;
    std::vector<await_site> chain;  ///< outermost first; empty unless idle
    std::string leaf;               ///< the future the innermost await waits on (idle only)
    std::vector<task_dump_branch> branches;  ///< when `leaf` is a combinator: its running children
    bool is_root = false;    ///< the future given to `block_on` (not a spawned task)
    std::size_t worker = 0;  ///< running only: the worker polling it (0 for current_thread)
    /// Running only: how long the current poll has run, as far as the blocking watchdog saw
    /// (zero when the watchdog is off or has not looked since the poll began).
    std::chrono::nanoseconds running_for{};
};

/// The live tasks of the runtime the calling thread runs in (std::logic_error outside one).
std::vector<task_dump> dump_tasks();

/// A multi-line human-readable rendering of one task (as in the file comment).
std::string to_string(const task_dump& t);

}  // namespace af::rt

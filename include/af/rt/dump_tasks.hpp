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
/// Cost: recording the await points costs each `co_await` a couple of stores (measured in
/// docs/design/0006-task-tracing.md); the dump itself locks each idle task for the moment it
/// is read, so it may be called from production code (an admin endpoint, a signal handler
/// task). Tasks that are queued or running at that instant are listed with their state only:
/// reading them would race with the worker polling them.
#include <string>  // to_string
#include <vector>  // the dump

namespace af::rt {

/// Where a task is suspended: one `co_await` of its chain.
struct await_site {
    std::string file;
    unsigned line = 0;
    std::string function;
};

struct task_dump {
    enum class task_state { idle, scheduled, running };
    const void* id = nullptr;  ///< the task's address: stable while it lives
    task_state state = task_state::idle;
    std::vector<await_site> chain;  ///< outermost first; empty unless idle
    std::string leaf;               ///< the future the innermost await waits on (idle only)
};

/// The live tasks of the runtime the calling thread runs in (std::logic_error outside one).
std::vector<task_dump> dump_tasks();

/// A multi-line human-readable rendering of one task (as in the file comment).
std::string to_string(const task_dump& t);

}  // namespace af::rt

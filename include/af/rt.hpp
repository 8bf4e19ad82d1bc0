// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The runtime: `#include <af/rt.hpp>` and link `af::rt`.
///
///     int main() {
///         return af::rt::run([]() -> af::task<int> {
///             auto h = af::rt::spawn(work());
///             co_return co_await std::move(h);
///         });
///     }
///
/// Builder, runtime and handle (af/rt/runtime.hpp), spawning from inside a runtime
/// (af/rt/spawn.hpp), blocking work (af/rt/spawn_blocking.hpp), task-local values
/// (af/rt/task_local.hpp), metrics and task dumps. Timers are in <af/time.hpp>.
#include "af/core.hpp"
#include "af/future.hpp"  // select, ready, join: what tasks on a runtime combine
#include "af/stream/next.hpp"  // af::next: channels, intervals and sockets give streams
#include "af/rt/dump_tasks.hpp"
#include "af/rt/metrics.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/rt/spawn_blocking.hpp"
#include "af/rt/task_local.hpp"

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Umbrella header of af::process: child processes for tasks of an af runtime.
///
///     af::process::output o = co_await af::process::command("echo").arg("hi").output();
///
/// - <af/process/command.hpp>: `command`, `stdio`.
/// - <af/process/child.hpp>: `child`, its pipes, `exit_status`, `output`.
///
/// See the book chapter "Files, signals and processes".
#include "af/process/child.hpp"
#include "af/process/command.hpp"

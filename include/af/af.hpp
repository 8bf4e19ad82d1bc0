// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The umbrella header: everything in af::core. Each module also has its own header
/// (af/core.hpp, af/future.hpp, af/executor.hpp) for users who want less.
#include "af/core.hpp"      // poll, waker, context, future, task
#include "af/executor.hpp"  // block_on, local_pool, thread_pool, join_handle
#include "af/future.hpp"    // ready, never, yield_now, poll_fn, lazy, join, select, ...

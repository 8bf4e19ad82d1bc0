// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Executors: run futures to completion.
#include "af/executor/block_on.hpp"
#include "af/executor/join_handle.hpp"
#include "af/executor/local_pool.hpp"
#include "af/executor/spawn.hpp"
#include "af/executor/spawner.hpp"
#include "af/executor/spawn_with_callback.hpp"
#include "af/executor/thread_pool.hpp"

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// af's core: the `std::task` analog and `af::task<T>`.
#include "af/core/atomic_waker.hpp"
#include "af/core/context.hpp"
#include "af/core/error.hpp"
#include "af/core/future.hpp"
#include "af/core/poll.hpp"
#include "af/core/task.hpp"
#include "af/core/waker.hpp"
#include "af/core/wakeable.hpp"

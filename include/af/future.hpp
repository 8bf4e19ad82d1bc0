// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Future constructors and combinators (the futures-util analog).
#include "af/future/lazy.hpp"
#include "af/future/never.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/ready.hpp"
#include "af/future/yield_now.hpp"
#include "af/future/abortable.hpp"
#include "af/future/any_future.hpp"
#include "af/future/fuse.hpp"
#include "af/future/map.hpp"
#include "af/future/scope.hpp"
#include "af/future/shared.hpp"
#include "af/future/then.hpp"

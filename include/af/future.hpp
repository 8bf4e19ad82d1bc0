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
#include "af/future/join.hpp"               // join: wait for all, tuple of outputs
#include "af/future/try_join.hpp"           // try_join: join that cancels the rest on an exception
#include "af/future/join_all.hpp"           // join_all: wait for a vector, outputs in input order
#include "af/future/select.hpp"             // select: first ready wins, losers cancelled
#include "af/future/select_all.hpp"         // select_all: race a vector, get the rest back
#include "af/future/futures_unordered.hpp"  // futures_unordered: outputs in completion order

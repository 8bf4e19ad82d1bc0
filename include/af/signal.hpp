// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Umbrella header of af::signal: Unix signals for tasks of an af runtime.
///
///     co_await af::signal::ctrl_c();
///
/// See <af/signal/signal.hpp> and the book chapter "Files, signals and processes".
#include "af/signal/signal.hpp"

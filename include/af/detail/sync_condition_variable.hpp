// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::detail::sync::condition_variable`: std::condition_variable, or the model checker's under
/// AF_MODEL (see af/detail/sync.hpp). Apart from the rest of the shim so that public headers
/// do not pay for <condition_variable>; only compiled parts of af use it.
#include "af/detail/sync.hpp"

#ifndef AF_MODEL
#include <condition_variable>  // std::condition_variable

namespace af::detail::sync {
using condition_variable = std::condition_variable;
}  // namespace af::detail::sync
#endif

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Executors: run futures to completion.
#include "af/executor/block_on.hpp"

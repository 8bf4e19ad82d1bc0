// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// af's test kit (namespace af::test): a hand-stepped mock task with framework-free assertions, and
/// wakers, futures and counters for stepping futures by hand.
/// Not included by af/af.hpp.
#include "af/test/assert_unmoved.hpp"
#include "af/test/drop_counter.hpp"
#include "af/test/manual_future.hpp"
#include "af/test/mock_task.hpp"
#include "af/test/pending_once.hpp"
#include "af/test/wake_counter.hpp"

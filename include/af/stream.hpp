// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Streams and generators: the `af::stream` concept, `af::next`, `af::generator`,
/// `af::async_generator`, and the constructors and adaptors of namespace `af::streams`.
///
/// Not part of `<af/af.hpp>` (which stays small); include this header, or a single
/// `<af/stream/...>` header, where you need streams. See the book chapter "Streams and
/// generators".
#include "af/stream/stream.hpp"           // the af::stream concept, item_of
#include "af/stream/next.hpp"             // co_await af::next(s): one item or nullopt
#include "af/stream/generator.hpp"        // synchronous co_yield, an input range
#include "af/stream/async_generator.hpp"  // co_await + co_yield, a stream

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::asio`: the bridge between af and Boost.Asio, both directions on the same threads
/// (CMake target `af::asio`, built when Boost >= 1.81 is found).
///
/// - af awaiting Asio: pass `af::asio::use_future` (or `use_future_tuple`) as the completion
///   token of any Asio operation and `co_await` it in an af task (use_future.hpp).
/// - Asio awaiting af: `af::asio::spawn(ex, future, token)` completes any Asio token with an af
///   future's output (spawn.hpp).
/// - af tasks on an io_context's threads: `af::asio::executor_spawner` (executor_spawner.hpp).
/// - Asio handlers on af's workers: `af::asio::runtime_context` (runtime_executor.hpp).
/// - Byte streams both ways: `af::asio::stream<S>` (an Asio socket as an af stream) and
///   `af::asio::asio_stream<T>` (an af stream as an Asio stream, for Beast) (stream.hpp).
///
///     boost::asio::io_context ioc;
///     af::asio::executor_spawner sp(ioc.get_executor());
///     auto h = sp.spawn([&]() -> af::task<void> {
///         boost::asio::steady_timer t(ioc, 10ms);
///         co_await t.async_wait(af::asio::use_future);
///     });
///     ioc.run();
///
/// Guide: docs/book/asio.md; design: docs/design/0021-asio-bridge.md.
#include "af/asio/executor_spawner.hpp"
#include "af/asio/runtime_executor.hpp"
#include "af/asio/spawn.hpp"
#include "af/asio/stream.hpp"
#include "af/asio/use_future.hpp"

#include <boost/asio/io_context.hpp>   // the doc example's io_context
#include <boost/asio/steady_timer.hpp>  // and its timer

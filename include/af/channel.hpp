// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Channels (`af::channel`): pass values between tasks and threads. Not part of `af/af.hpp`;
/// include this umbrella or one header per channel kind.
///
/// - `oneshot::channel<T>()`: one value, one sender, one receiver (the receiver is a future).
/// - `mpsc::bounded<T>(n)` / `mpsc::unbounded<T>()`: many senders, one receiver (a stream).
/// - `broadcast::channel<T>(n)`: many senders, many receivers (streams), every receiver sees
///   every value.
/// - `watch::channel(init)`: one sender, many receivers, only the latest value is kept.
///
/// Errors follow one convention (see error.hpp): a single-value wait that can never succeed throws
/// `af::closed_error`; the end of a multi-value channel is `std::nullopt`; a receive that reports
/// instead of waiting is a `recv_result<T>` (empty, closed, lagged); a failed send hands its value
/// back in a `send_result<T>`. See the book chapter "Channels".
#include "af/channel/broadcast.hpp"  // broadcast::channel
#include "af/channel/error.hpp"      // recv_result, send_result
#include "af/channel/mpsc.hpp"       // mpsc::bounded, mpsc::unbounded
#include "af/channel/oneshot.hpp"    // oneshot::channel
#include "af/channel/watch.hpp"      // watch::channel

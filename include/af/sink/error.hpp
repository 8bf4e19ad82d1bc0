// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// What a sink throws when it can take no more items: `af::closed_error`.
///
/// A sink throws it from `poll_ready` (or `start_send`) once it was closed with `poll_close`,
/// or once whatever it feeds is gone, for example when the receiver of an
/// `af::channel::mpsc::sender` was closed or dropped. The item that was about to be sent stays
/// with the caller when `poll_ready` throws; adaptors and helpers let the exception through.
///
///     try {
///         co_await af::sinks::send(tx, job);
///     } catch (const af::closed_error&) {
///         // nobody listens any more
///     }
///
/// `af::sink_closed_error` is its old name (docs/design/0015-error-model.md).
#include "af/core/error.hpp"  // af::closed_error

namespace af {

using sink_closed_error [[deprecated("catch af::closed_error")]] = closed_error;

}  // namespace af

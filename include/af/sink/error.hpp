// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::sink_closed_error`: thrown by a sink that can take no more items.
///
/// A sink throws it from `poll_ready` (or `start_send`) once it was closed with `poll_close`,
/// or once whatever it feeds is gone, for example when the receiver of an
/// `af::channel::mpsc::sender` was closed or dropped. The item that was about to be sent stays
/// with the caller when `poll_ready` throws; adaptors and helpers let the exception through.
///
///     try {
///         co_await af::sinks::send(tx, job);
///     } catch (const af::sink_closed_error&) {
///         // nobody listens any more
///     }
#include <stdexcept>  // std::runtime_error

namespace af {

class sink_closed_error : public std::runtime_error {
public:
    sink_closed_error() : std::runtime_error("sink closed") {}
};

}  // namespace af

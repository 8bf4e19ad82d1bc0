// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Sinks: the `af::sink<S, T>` concept and namespace `af::sinks` (helpers that await a sink,
/// adaptors that build one). Not part of `<af/af.hpp>`; include this umbrella or one header.
///
///     auto [tx, rx] = af::channel::mpsc::bounded<std::string>(8);
///     auto out = std::move(tx) | af::sinks::with([](int v) { return std::to_string(v); });
///     co_await af::sinks::send(out, 7);
///     co_await af::sinks::close(out);
///
/// Everything but the concept and the error lives in `af::sinks`, like `af::streams` beside
/// `af::stream`; the names `send` and `close` would otherwise hide the POSIX calls of the same
/// name in code inside namespace `af`. See the book chapter "Sinks".
#include "af/sink/error.hpp"  // af::closed_error
#include "af/channel/mpsc.hpp"  // the example's sink: a channel sender is one
#include "af/sink/sink.hpp"   // the af::sink concept

// Awaitable helpers (they borrow the sink).
#include "af/sink/close.hpp"     // close(s): flush, then close
#include "af/sink/feed.hpp"      // feed(s, v): room, then hand over, no flush
#include "af/sink/flush.hpp"     // flush(s): deliver what was handed over
#include "af/sink/send.hpp"      // send(s, v): feed, then flush
#include "af/sink/send_all.hpp"  // send_all(s, stream): every item, flushing when idle

// Adaptors: `std::move(s) | af::sinks::with(f)`.
#include "af/sink/fanout.hpp"  // fanout(b): every item to both
#include "af/sink/with.hpp"    // with(fn): map each item before sending

// Sinks.
#include "af/sink/collect_into.hpp"  // collect_into(vec): append to a vector
#include "af/sink/drain.hpp"         // drain(): discard

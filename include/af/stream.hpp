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

// Constructors (namespace af::streams).
#include "af/stream/empty.hpp"    // empty<T>(): ends at once
#include "af/stream/iter.hpp"     // iter(range): the elements of a range
#include "af/stream/once.hpp"     // once(future): its output, once
#include "af/stream/poll_fn.hpp"  // poll_fn(f): poll_next calls f(cx)
#include "af/stream/repeat.hpp"   // repeat(v): copies of v for ever
#include "af/stream/unfold.hpp"   // unfold(state, f): async steps from a seed

// Adaptors: `std::move(s) | af::streams::map(f)`.
#include "af/stream/buffer_unordered.hpp"  // buffer_unordered(n): n futures at once, completion order
#include "af/stream/buffered.hpp"     // buffered(n): n futures at once, input order
#include "af/stream/by_ref.hpp"       // by_ref(s): borrow a stream for an adaptor
#include "af/stream/chain.hpp"        // chain(b): a then b
#include "af/stream/chunks.hpp"       // chunks(n): vectors of n
#include "af/stream/enumerate.hpp"    // enumerate(): {index, item}
#include "af/stream/filter.hpp"       // filter(pred)
#include "af/stream/filter_map.hpp"   // filter_map(fn -> optional)
#include "af/stream/flatten.hpp"      // flatten(): a stream of streams, one after the other
#include "af/stream/fuse.hpp"         // fuse(): never poll an ended stream
#include "af/stream/map.hpp"          // map(fn)
#include "af/stream/merge.hpp"        // merge(b): both, as ready, fairly
#include "af/stream/peekable.hpp"     // peekable(): look one item ahead
#include "af/stream/ready_chunks.hpp" // ready_chunks(n): what is ready, at most n
#include "af/stream/skip.hpp"         // skip(n)
#include "af/stream/stream_map.hpp"   // stream_map<K, S>: keyed streams, items as (key, item)
#include "af/stream/skip_while.hpp"   // skip_while(pred)
#include "af/stream/take.hpp"         // take(n)
#include "af/stream/take_while.hpp"   // take_while(pred)
#include "af/stream/then.hpp"         // then(fn -> future), one at a time
#include "af/stream/zip.hpp"          // zip(b): pairs

// Consumers: futures that drive the stream to its end.
#include "af/stream/collect.hpp"   // collect<C>(): every item in a container
#include "af/stream/fold.hpp"      // fold(init, fn)
#include "af/stream/for_each.hpp"  // for_each(fn)
#include "af/stream/for_each_concurrent.hpp"  // for_each_concurrent(limit, fn -> future)

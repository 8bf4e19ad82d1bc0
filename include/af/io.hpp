// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Async I/O traits and utilities (namespace `af::io`): the byte-stream concepts in poll form,
/// awaitable helpers, buffering, an in-memory `duplex` pipe, and framing.
///
/// Not part of `<af/af.hpp>`; include this header, or single `<af/io/...>` headers. Choosing:
/// read and write with the helpers (`read_exact`, `write_all`, ...); wrap a reader in
/// `buf_reader` for lines or lookahead; use `framed` with a codec when the bytes carry
/// messages. See the book chapter "I/O traits".
///
///     auto [client, server] = af::io::duplex(64);
///     co_await af::io::write_all(client, std::as_bytes(std::span("ping", 4)));
#include "af/io/error.hpp"           // af::io::error, frame_error
#include "af/stream/next.hpp"       // af::next: lines and framed are streams
#include "af/future.hpp"            // af::select, af::ready: racing a read against a timer
#include "af/io/async_read.hpp"      // concept: poll_read
#include "af/io/async_write.hpp"     // concept: poll_write, poll_flush, poll_shutdown
#include "af/io/async_buf_read.hpp"  // concept: poll_fill_buf, consume
#include "af/io/async_seek.hpp"      // concept: poll_seek, seek_from
#include "af/io/duplex.hpp"          // duplex(capacity): a connected in-memory pair

// Awaitable helpers.
#include "af/io/read.hpp"                // read(r, buf): one read
#include "af/io/read_exact.hpp"          // read_exact(r, buf): all of buf or unexpected_eof
#include "af/io/read_to_end.hpp"         // read_to_end(r, vec): until end of stream
#include "af/io/read_to_string.hpp"      // read_to_string(r, str)
#include "af/io/write_all.hpp"           // write_all(w, buf)
#include "af/io/io_slice.hpp"            // io_slice: one chunk of a vectored write (an iovec)
#include "af/io/write_all_vectored.hpp"  // write_all_vectored(w, slices): gathered, one writev a poll
#include "af/io/write_all_buf.hpp"  // write_all_buf(w, buf): an af::buf (a head and body chain) with vectored writes
#include "af/io/flush.hpp"               // flush(w)
#include "af/io/shutdown.hpp"            // shutdown(w)
#include "af/io/copy.hpp"                // copy(r, w): bytes copied
#include "af/io/copy_bidirectional.hpp"  // copy_bidirectional(a, b): both ways

// Buffering, lines, halves.
#include "af/io/buf_reader.hpp"  // buf_reader<R>: lookahead, fewer reads
#include "af/io/buf_writer.hpp"  // buf_writer<W>: fewer, larger writes
#include "af/io/lines.hpp"       // lines(buf_read): a stream of std::string
#include "af/io/split.hpp"       // split(io): read half + write half for two tasks

// Framing: bytes as messages.
#include "af/bytes.hpp"                      // af::bytes, bytes_mut, chain: frames and buffers
#include "af/io/codec.hpp"                   // concept: decode, decode_eof, encode
#include "af/io/lines_codec.hpp"             // text lines, with a maximum length
#include "af/io/length_delimited_codec.hpp"  // u32 big-endian length + payload, with a maximum
#include "af/io/framed.hpp"                  // framed(io, codec): a stream and a sink of frames
#include "af/io/send_pipelined.hpp"          // send_pipelined(conn, reply): flush when no request waits

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::io::async_write` concept: a sink of bytes, polled like a future.
///
/// - `poll_write(cx, buf)` accepts a prefix of `buf` and returns its length; **short writes are
///   normal** (use `af::io::write_all` for all of it). A writer returns ready 0 for a non-empty
///   `buf` only when it can never accept more; the helpers turn that into `error::write_zero`.
/// - `poll_flush(cx)` is ready once everything accepted so far has reached its destination.
/// - `poll_shutdown(cx)` flushes, then tells the other side that no more bytes will come (its
///   reads then see end of stream). Writing after shutdown throws.
/// - Errors throw `std::system_error` (a peer that went away: `std::errc::broken_pipe`).
///
///     struct counting_sink {
///         std::size_t n = 0;
///         af::poll<std::size_t> poll_write(af::context&, std::span<const std::byte> b) { n += b.size(); return b.size(); }
///         af::poll<void> poll_flush(af::context&) { return {}; }
///         af::poll<void> poll_shutdown(af::context&) { return {}; }
///     };
///     static_assert(af::io::async_write<counting_sink>);
///
/// Await writes with `af::io::write_all`, `flush` and `shutdown`; batch small writes with
/// `af::io::buf_writer`. See the book chapter "I/O traits".
#include <concepts>  // std::same_as
#include <cstddef>   // std::byte, std::size_t
#include <span>      // the source bytes

#include "af/core/future.hpp"

namespace af::io {

template <class W>
concept async_write = requires(W& w, context& cx, std::span<const std::byte> buf) {
    { w.poll_write(cx, buf) } -> std::same_as<poll<std::size_t>>;
    { w.poll_flush(cx) } -> std::same_as<poll<void>>;
    { w.poll_shutdown(cx) } -> std::same_as<poll<void>>;
};

}  // namespace af::io

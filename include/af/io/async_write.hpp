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
///
/// Vectored writes (optional): a writer that can take several chunks in one call (sockets:
/// writev) also has `poll_write_vectored(cx, std::span<const af::io::io_slice>)`, returning how
/// many bytes of the chunks' concatenation it accepted, and `is_write_vectored()` returning
/// true. They are not part of the concept (every writer would have to write them); call them
/// through the free functions `af::io::poll_write_vectored(w, cx, slices)` (for a writer
/// without the member: a poll_write of the first non-empty chunk) and
/// `af::io::is_write_vectored(w)` (false without the member). `af::io::write_all_vectored`
/// loops over short writes. Design note: docs/design/0018-vectored-io.md.
#include <concepts>  // std::same_as
#include <cstddef>   // std::byte, std::size_t
#include <span>      // the source bytes

#include "af/core/future.hpp"
#include "af/io/io_slice.hpp"  // vectored writes

namespace af::io {

template <class W>
concept async_write = requires(W& w, context& cx, std::span<const std::byte> buf) {
    { w.poll_write(cx, buf) } -> std::same_as<poll<std::size_t>>;
    { w.poll_flush(cx) } -> std::same_as<poll<void>>;
    { w.poll_shutdown(cx) } -> std::same_as<poll<void>>;
};

/// A writer with its own `poll_write_vectored` member (see above).
template <class W>
concept async_write_vectored = async_write<W> && requires(W& w, context& cx, std::span<const io_slice> s) {
    { w.poll_write_vectored(cx, s) } -> std::same_as<poll<std::size_t>>;
};

/// One write of the concatenation of `slices`: bytes accepted, a prefix of it (short writes
/// are normal, as for poll_write). A writer without the member writes the first non-empty
/// slice with poll_write (an empty write when all are empty). Cancellation: as `w`'s
/// poll_write.
template <async_write W>
poll<std::size_t> poll_write_vectored(W& w, context& cx, std::span<const io_slice> slices) {
    if constexpr (async_write_vectored<W>) {
        return w.poll_write_vectored(cx, slices);
    } else {
        for (const io_slice& s : slices) {
            if (!s.empty()) return w.poll_write(cx, s.bytes());
        }
        return w.poll_write(cx, std::span<const std::byte>());
    }
}

/// Whether `w` writes several slices in one call (so gathering them first would only add a
/// copy): its `is_write_vectored()` member, false without one.
template <class W>
bool is_write_vectored(const W& w) noexcept {
    if constexpr (requires {
                      { w.is_write_vectored() } -> std::convertible_to<bool>;
                  }) {
        return w.is_write_vectored();
    } else {
        return false;
    }
}

}  // namespace af::io

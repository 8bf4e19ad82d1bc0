// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::write_all_vectored(w, slices)`: a future that writes all the bytes of `slices`, in
/// order, with vectored writes (one writev per poll on a socket), looping over short writes.
///
///     std::array<af::io::io_slice, 3> parts{head, body, trailer};
///     co_await af::io::write_all_vectored(conn, parts);   // parts is edited as it goes
///
/// Compared with copying the parts into one buffer and calling `write_all`: no copy, and on a
/// socket one system call for all of them (up to IOV_MAX slices per call). Compared with one
/// `write_all` per part: one system call instead of one per part, and no small TCP segments
/// between them. For a writer that is not vectored (`af::io::is_write_vectored(w)` false) it
/// writes the slices one at a time, like a `write_all` per slice.
///
/// After a short write the slices are advanced (`io_slice::advance_slices`): the span's front
/// slices are dropped and the next one starts later. So `slices` is mutable, the future edits
/// the caller's slices (never the bytes), and afterwards they are not the original parts any
/// more. It does not flush. Errors: a writer that accepts 0 bytes while bytes remain throws
/// `std::system_error` (`af::io::error::write_zero`); errors of `w` propagate. Empty slices
/// are skipped; all empty (or none) is ready at once without a write.
///
/// The future borrows `w`, `slices` and their bytes: all must outlive it. Cancellation: NOT
/// safe; dropping it mid-way may have written a prefix, and how long is only seen in how far
/// `slices` was advanced (bytes of a dropped write on io_uring go out, see tcp_stream::write).
/// Thread safety: as `w`.
///
/// `write_all_vectored(w, chunks)` over a span of `af::bytes` does the same, advancing the
/// chunks themselves; a writer with `poll_write_bytes` (tcp_stream, unix_stream) is handed the
/// chunks, so on io_uring the kernel sends from their memory without a copy (the writer keeps
/// references while the kernel reads, design note 0019); other writers get them as slices.
#include <algorithm>     // std::min
#include <array>         // the slices of a writer without poll_write_bytes
#include <concepts>      // std::same_as
#include <cstddef>       // std::size_t
#include <memory>        // std::addressof
#include <span>          // the slices
#include <system_error>  // std::system_error

#include "af/bytes/bytes.hpp"
#include "af/io/async_write.hpp"
#include "af/io/error.hpp"
#include "af/io/io_slice.hpp"

namespace af::io {

/// A writer that can write `af::bytes` chunks from their own memory, keeping references to
/// them while the kernel may still read them (af::net's streams).
template <class W>
concept async_write_bytes = requires(W& w, context& cx, std::span<const af::bytes> c) {
    { w.poll_write_bytes(cx, c) } -> std::same_as<poll<std::size_t>>;
};

namespace detail {

/// One write of the chunks' concatenation: poll_write_bytes when `w` has it, else as slices.
template <async_write W>
poll<std::size_t> poll_write_chunks(W& w, context& cx, std::span<const af::bytes> chunks) {
    if constexpr (async_write_bytes<W>) {
        return w.poll_write_bytes(cx, chunks);
    } else {
        std::array<io_slice, 64> slices;
        std::size_t n = 0;
        for (const af::bytes& b : chunks) {
            if (n == slices.size()) break;
            if (!b.empty()) slices[n++] = io_slice(b.data(), b.size());
        }
        return af::io::poll_write_vectored(w, cx, std::span<const io_slice>(slices.data(), n));
    }
}

/// Drops `n` bytes from the front of `chunks`: written chunks leave the span, a partly
/// written one is advanced; leading empty chunks go too.
inline void advance_chunks(std::span<af::bytes>& chunks, std::size_t n) {
    while (!chunks.empty()) {
        std::size_t k = std::min(n, chunks.front().size());
        chunks.front().advance(k);
        n -= k;
        if (!chunks.front().empty()) break;
        chunks = chunks.subspan(1);
    }
}

}  // namespace detail

/// The future made by `af::io::write_all_vectored`.
template <async_write W>
class [[nodiscard("a future does nothing until it is awaited")]] write_all_vectored_future {
public:
    using output = void;
    write_all_vectored_future(W& w, std::span<io_slice> slices) noexcept : w_(std::addressof(w)), slices_(slices) {}

    af::poll<void> poll(context& cx) {
        io_slice::advance_slices(slices_, 0);  // leading empty slices: nothing to write
        while (!slices_.empty()) {
            auto p = af::io::poll_write_vectored(*w_, cx, std::span<const io_slice>(slices_));
            if (p.is_pending()) return pending;
            if (*p == 0) throw af::error(error::write_zero, "write_all_vectored");
            io_slice::advance_slices(slices_, *p);
        }
        return {};
    }

private:
    W* w_;
    std::span<io_slice> slices_;
};

template <async_write W>
write_all_vectored_future<W> write_all_vectored(W& w, std::span<io_slice> slices) noexcept {
    return write_all_vectored_future<W>(w, slices);
}

/// The future made by `af::io::write_all_vectored` over `af::bytes` chunks.
template <async_write W>
class [[nodiscard("a future does nothing until it is awaited")]] write_all_chunks_future {
public:
    using output = void;
    write_all_chunks_future(W& w, std::span<af::bytes> chunks) noexcept : w_(std::addressof(w)), chunks_(chunks) {}

    af::poll<void> poll(context& cx) {
        detail::advance_chunks(chunks_, 0);
        while (!chunks_.empty()) {
            auto p = detail::poll_write_chunks(*w_, cx, std::span<const af::bytes>(chunks_));
            if (p.is_pending()) return pending;
            if (*p == 0) throw af::error(error::write_zero, "write_all_vectored");
            detail::advance_chunks(chunks_, *p);
        }
        return {};
    }

private:
    W* w_;
    std::span<af::bytes> chunks_;
};

template <async_write W>
write_all_chunks_future<W> write_all_vectored(W& w, std::span<af::bytes> chunks) noexcept {
    return write_all_chunks_future<W>(w, chunks);
}

}  // namespace af::io

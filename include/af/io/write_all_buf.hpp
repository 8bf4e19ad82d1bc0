// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::write_all_buf(w, b)`: writes everything an `af::buf` holds (an `af::bytes`, a
/// `bytes_mut`, an `af::chain` of a head and a body), with vectored writes and no copy.
///
///     af::bytes head = render_head(status, headers);
///     auto msg = af::chain(std::move(head), std::move(body));
///     co_await af::io::write_all_buf(conn, msg);   // one writev per round, msg.remaining() == 0
///
/// Each round asks the buf for up to 16 chunks (`af::chunks_vectored`) and writes them with
/// `af::io::poll_write_vectored` (one `poll_write` of the first chunk for a writer without
/// vectored writes), then advances the buf by what the writer accepted. A buf made only of
/// `af::bytes` (one, or `af::chain`s of them) written to a writer with `poll_write_bytes`
/// (tcp_stream, unix_stream) hands it the chunks themselves: on io_uring the kernel sends from
/// their memory, no copy (design note 0019).
///
/// Errors: `af::error` with `af::io::error::write_zero` when the writer accepts nothing of a
/// non-empty round; the writer's own errors pass through. Cancellation: safe in the sense that
/// matters for retrying: the buf is advanced by exactly the bytes the writer reported, so after a
/// drop `b.remaining()` says what was not written (on io_uring a dropped write's bytes still go
/// out and are reported to the next write of the same bytes, see tcp_stream). The future borrows
/// `w` and `b`: both must outlive it. Thread safety: as `w`.
#include <array>    // the round's slices
#include <cstddef>  // std::size_t
#include <memory>   // std::addressof
#include <span>     // the slices

#include "af/bytes/buf.hpp"
#include "af/bytes/bytes.hpp"
#include "af/core/error.hpp"
#include "af/io/async_write.hpp"
#include "af/io/error.hpp"
#include "af/io/io_slice.hpp"
#include "af/io/write_all_vectored.hpp"  // async_write_bytes, poll_write_chunks

namespace af::io {

namespace detail {

/// Whether a buf is made of af::bytes only (their chunks can be kept alive by the writer).
template <class B>
inline constexpr bool is_bytes_buf = false;
template <>
inline constexpr bool is_bytes_buf<af::bytes> = true;
template <class A, class C>
inline constexpr bool is_bytes_buf<af::chain<A, C>> = is_bytes_buf<A> && is_bytes_buf<C>;

/// Up to `dst.size()` non-empty chunks of a bytes-only buf, in order, as `af::bytes` views.
inline std::size_t bytes_chunks(af::bytes& b, std::span<af::bytes> dst) {
    if (dst.empty() || b.empty()) return 0;
    dst[0] = b;
    return 1;
}
template <class A, class C>
std::size_t bytes_chunks(af::chain<A, C>& c, std::span<af::bytes> dst) {
    std::size_t n = bytes_chunks(c.first(), dst);
    if (c.first().remaining() > 0 && n == 0) return 0;  // dst is full
    std::size_t filled = 0;
    for (std::size_t i = 0; i < n; ++i) filled += dst[i].size();
    if (filled < c.first().remaining()) return n;  // dst is full before the seam
    return n + bytes_chunks(c.second(), dst.subspan(n));
}

}  // namespace detail

/// The future made by `af::io::write_all_buf`.
template <async_write W, af::buf B>
class [[nodiscard("a future does nothing until it is awaited")]] write_all_buf_future {
public:
    using output = void;
    write_all_buf_future(W& w, B& b) noexcept : w_(std::addressof(w)), b_(std::addressof(b)) {}

    af::poll<void> poll(context& cx) {
        while (b_->remaining() > 0) {
            // 16 chunks: a head, a few body parts and a trailer fit in one round; more take more.
            af::poll<std::size_t> p = write_round(cx);
            if (p.is_pending()) return pending;
            if (*p == 0) throw af::error(error::write_zero, "write_all_buf: the writer accepted no bytes");
            b_->advance(*p);
        }
        return {};
    }

private:
    af::poll<std::size_t> write_round(context& cx) {
        if constexpr (detail::is_bytes_buf<B> && async_write_bytes<W>) {
            std::array<af::bytes, 16> chunks;
            std::size_t n = detail::bytes_chunks(*b_, std::span<af::bytes>(chunks));
            return w_->poll_write_bytes(cx, std::span<const af::bytes>(chunks.data(), n));
        } else {
            std::array<io_slice, 16> slices;
            std::size_t n = af::chunks_vectored(*b_, std::span<io_slice>(slices));
            return af::io::poll_write_vectored(*w_, cx, std::span<const io_slice>(slices.data(), n));
        }
    }

    W* w_;
    B* b_;
};

template <async_write W, af::buf B>
write_all_buf_future<W, B> write_all_buf(W& w, B& b) noexcept {
    return write_all_buf_future<W, B>(w, b);
}

}  // namespace af::io

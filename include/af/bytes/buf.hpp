// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::buf` and `af::buf_mut` concepts (bytes to read from the front, room to write at the
/// back), `af::chunks_vectored`, and `af::chain`, which puts two bufs one after the other
/// without copying either.
///
///     af::bytes head = af::bytes::copy_from("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");
///     auto msg = af::chain(head, af::bytes::from_static("hello"));
///     std::array<af::io::io_slice, 8> parts;               // or std::span<const std::byte>
///     std::size_t n = af::chunks_vectored(msg, parts);   // 2 slices: one writev, no copy
///     auto p = af::io::poll_write_vectored(conn, cx, std::span<const af::io::io_slice>(parts.data(), n));
///     if (p.is_ready()) msg.advance(*p);                   // drop what the write took
///
/// A `buf` is a sequence of contiguous chunks: `remaining()` bytes in all, `chunk()` the first
/// contiguous piece (empty only when nothing remains), `advance(n)` drops `n` bytes from the
/// front (`n <= remaining()`, else std::out_of_range). `af::bytes`, `af::bytes_mut` and
/// `af::chain` are bufs. A buf may also have a member `chunks_vectored(dst)` that fills `dst`
/// with several chunks at once; the free function `af::chunks_vectored` uses it, or falls back
/// to the one `chunk()`. It fills spans or `af::io::io_slice`s (anything a span assigns to), so
/// its result goes straight to `poll_write_vectored`. A `buf_mut` (`af::bytes_mut`) offers room: `chunk_mut()` is writable
/// space, `advance_mut(n)` counts `n` bytes of it as written, `remaining_mut()` is how many more
/// fit. Thread safety: as the underlying bufs; a `chain` is one object (one thread at a time).
#include <array>        // chunks_vectored into a std::array
#include <concepts>     // std::convertible_to
#include <cstddef>      // std::byte, std::size_t
#include <span>         // chunks
#include <type_traits>  // std::decay_t
#include <utility>      // std::move

#include "af/bytes/detail/block.hpp"  // bytes_out_of_range

namespace af {

template <class B>
concept buf = requires(B& b, const B& cb, std::size_t n) {
    { cb.remaining() } -> std::convertible_to<std::size_t>;
    { cb.chunk() } -> std::convertible_to<std::span<const std::byte>>;
    b.advance(n);
};

template <class B>
concept buf_mut = requires(B& b, std::size_t n) {
    { b.remaining_mut() } -> std::convertible_to<std::size_t>;
    { b.chunk_mut() } -> std::convertible_to<std::span<std::byte>>;
    b.advance_mut(n);
};

/// What `chunks_vectored` may fill: `std::span<const std::byte>` itself, or any chunk type
/// assignable from one, such as `af::io::io_slice` (laid out as an iovec, for writev).
template <class S>
concept chunk_slot = requires(S& slot, const S& cslot, std::span<const std::byte> c) {
    slot = c;  // not std::assignable_from: io_slice and span share no common reference
    std::span<const std::byte>(cslot);
};

/// Fills `dst` with up to `dst.size()` chunks of `b`, in order, and returns how many; none are
/// empty, and together they are a prefix of `b` (all of it when `dst` is big enough).
template <buf B, chunk_slot S>
std::size_t chunks_vectored(const B& b, std::span<S> dst) {
    if constexpr (requires { { b.chunks_vectored(dst) } -> std::convertible_to<std::size_t>; }) {
        return b.chunks_vectored(dst);
    } else {
        if (dst.empty() || b.remaining() == 0) return 0;
        dst[0] = std::span<const std::byte>(b.chunk());
        return 1;
    }
}
template <buf B, chunk_slot S, std::size_t N>
std::size_t chunks_vectored(const B& b, std::array<S, N>& dst) {
    return af::chunks_vectored(b, std::span<S>(dst));
}

/// `first` then `second`, as one buf; made by `af::chain(a, b)`. Nest chains for more parts.
template <buf A, buf B>
class chain {
public:
    chain(A first, B second) : first_(std::move(first)), second_(std::move(second)) {}

    std::size_t remaining() const noexcept { return first_.remaining() + second_.remaining(); }
    std::span<const std::byte> chunk() const noexcept {
        return first_.remaining() > 0 ? std::span<const std::byte>(first_.chunk()) : std::span<const std::byte>(second_.chunk());
    }
    void advance(std::size_t n) {
        std::size_t a = first_.remaining();
        if (n > a + second_.remaining()) detail::bytes_out_of_range("af::chain::advance", n, remaining());
        if (n <= a) return first_.advance(n);
        first_.advance(a);
        second_.advance(n - a);
    }
    template <chunk_slot S>
    std::size_t chunks_vectored(std::span<S> dst) const {
        std::size_t n = af::chunks_vectored(first_, dst);
        std::size_t filled = 0;
        for (std::size_t i = 0; i < n; ++i) filled += std::span<const std::byte>(dst[i]).size();
        if (filled < first_.remaining()) return n;  // dst is full before the seam
        return n + af::chunks_vectored(second_, dst.subspan(n));
    }

    A& first() noexcept { return first_; }
    B& second() noexcept { return second_; }

private:
    A first_;
    B second_;
};

template <class A, class B>
chain(A, B) -> chain<std::decay_t<A>, std::decay_t<B>>;

}  // namespace af

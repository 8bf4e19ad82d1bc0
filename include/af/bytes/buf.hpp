// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::buf` and `af::buf_mut` concepts (bytes to read from the front, room to write at the
/// back), `af::chunks_vectored`, and `af::chain`, which puts two bufs one after the other
/// without copying either.
///
///     af::bytes head = af::bytes::copy_from("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");
///     auto msg = af::chain(head, af::bytes::from_static("hello"));
///     std::array<std::span<const std::byte>, 8> parts;
///     std::size_t n = af::chunks_vectored(msg, parts);   // 2 spans: one writev, no copy
///     msg.advance(written);                                // drop what the write took
///
/// A `buf` is a sequence of contiguous chunks: `remaining()` bytes in all, `chunk()` the first
/// contiguous piece (empty only when nothing remains), `advance(n)` drops `n` bytes from the
/// front (`n <= remaining()`, else std::out_of_range). `af::bytes`, `af::bytes_mut` and
/// `af::chain` are bufs. A buf may also have a member `chunks_vectored(dst)` that fills `dst`
/// with several chunks at once; the free function `af::chunks_vectored` uses it, or falls back
/// to the one `chunk()`. A `buf_mut` (`af::bytes_mut`) offers room: `chunk_mut()` is writable
/// space, `advance_mut(n)` counts `n` bytes of it as written, `remaining_mut()` is how many more
/// fit. Thread safety: as the underlying bufs; a `chain` is one object (one thread at a time).
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

/// Fills `dst` with up to `dst.size()` chunks of `b`, in order, and returns how many; none are
/// empty, and together they are a prefix of `b` (all of it when `dst` is big enough).
template <buf B>
std::size_t chunks_vectored(const B& b, std::span<std::span<const std::byte>> dst) {
    if constexpr (requires { { b.chunks_vectored(dst) } -> std::convertible_to<std::size_t>; }) {
        return b.chunks_vectored(dst);
    } else {
        if (dst.empty() || b.remaining() == 0) return 0;
        dst[0] = b.chunk();
        return 1;
    }
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
    std::size_t chunks_vectored(std::span<std::span<const std::byte>> dst) const {
        std::size_t n = af::chunks_vectored(first_, dst);
        std::size_t filled = 0;
        for (std::size_t i = 0; i < n; ++i) filled += dst[i].size();
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

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::io_slice`: one read-only chunk of bytes (pointer and length) for vectored writes,
/// laid out like the system's `struct iovec`, so a span of slices goes to writev(2) or
/// sendmsg(2) as it is, without a copy into an iovec array.
///
///     std::string head = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n";
///     std::array<af::io::io_slice, 2> parts{af::io::io_slice(std::as_bytes(std::span(head))),
///                                           af::io::io_slice(std::as_bytes(std::span("hello", 5)))};
///     co_await af::io::write_all_vectored(conn, parts);
///
/// A slice borrows its bytes: they must outlive every write that names it. `advance_slices`
/// drops the first `n` bytes of a span of slices after a short write (the slices themselves
/// are edited, never the bytes). Write slices with `af::io::poll_write_vectored` (one write) or
/// `af::io::write_all_vectored` (all of them); see docs/design/0018-vectored-io.md.
#include <sys/uio.h>  // struct iovec, for the layout check

#include <cassert>  // advance past the end
#include <cstddef>  // std::byte, std::size_t, offsetof
#include <span>     // the bytes and lists of slices

namespace af::io {

namespace detail {
struct io_slice_layout;
}

class io_slice {
public:
    constexpr io_slice() noexcept = default;
    io_slice(std::span<const std::byte> bytes) noexcept : base_(bytes.data()), len_(bytes.size()) {}  // NOLINT: implicit on purpose
    io_slice(const void* data, std::size_t size) noexcept : base_(static_cast<const std::byte*>(data)), len_(size) {}

    const std::byte* data() const noexcept { return base_; }
    std::size_t size() const noexcept { return len_; }
    bool empty() const noexcept { return len_ == 0; }
    std::span<const std::byte> bytes() const noexcept { return {base_, len_}; }
    operator std::span<const std::byte>() const noexcept { return bytes(); }  // NOLINT: a slice is a span

    /// Drops the first `n` bytes (at most size()).
    void advance(std::size_t n) noexcept {
        assert(n <= len_ && "af::io::io_slice::advance: past the end of the slice");
        base_ += n;
        len_ -= n;
    }

    /// After a write of `n` bytes from `slices`: removes the slices written in full (and any
    /// empty ones after them) from the front of `slices` and advances the next one past the
    /// bytes written from it. `n` must not exceed the slices' total size.
    static void advance_slices(std::span<io_slice>& slices, std::size_t n) noexcept {
        std::size_t skip = 0;
        while (skip < slices.size() && slices[skip].len_ <= n) {
            n -= slices[skip].len_;
            ++skip;
        }
        slices = slices.subspan(skip);
        if (slices.empty()) {
            assert(n == 0 && "af::io::io_slice::advance_slices: advancing past the end of the slices");
            return;
        }
        slices.front().advance(n);
    }

private:
    friend struct detail::io_slice_layout;
    // Same order and types (in size and alignment) as iovec's iov_base and iov_len.
    const std::byte* base_ = nullptr;
    std::size_t len_ = 0;
};

/// The sum of the slices' sizes.
inline std::size_t total_size(std::span<const io_slice> slices) noexcept {
    std::size_t n = 0;
    for (const io_slice& s : slices) n += s.size();
    return n;
}

namespace detail {
struct io_slice_layout {
    static_assert(sizeof(io_slice) == sizeof(::iovec) && alignof(io_slice) == alignof(::iovec),
                  "af::io::io_slice must have the layout of struct iovec (it is passed to writev as one)");
    static_assert(offsetof(io_slice, base_) == offsetof(::iovec, iov_base) &&
                      offsetof(io_slice, len_) == offsetof(::iovec, iov_len),
                  "af::io::io_slice must have the layout of struct iovec (it is passed to writev as one)");
    static_assert(sizeof(io_slice::base_) == sizeof(::iovec::iov_base) && sizeof(io_slice::len_) == sizeof(::iovec::iov_len));
};
}  // namespace detail

/// The slices as the iovec array they are laid out as (for writev, sendmsg).
inline const ::iovec* as_iovecs(std::span<const io_slice> slices) noexcept {
    return reinterpret_cast<const ::iovec*>(slices.data());
}

}  // namespace af::io

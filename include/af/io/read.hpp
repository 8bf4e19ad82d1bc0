// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::read(r, buf)`: a future of one read, the number of bytes put into `buf` (0 at end
/// of stream).
///
///     std::array<std::byte, 512> buf;
///     std::size_t n = co_await af::io::read(conn, buf);
///     if (n == 0) { /* the peer is done */ }
///
/// One read may be short; loop, or use `af::io::read_exact` for exactly `buf.size()` bytes.
///
/// The future borrows `r` and `buf`: both must outlive it. Cancellation: safe; dropping the
/// future before it is ready reads nothing. Thread safety: as `r`.
#include <cstddef>  // std::size_t
#include <memory>   // std::addressof
#include <span>     // the destination

#include "af/io/async_read.hpp"

namespace af::io {

/// The future made by `af::io::read`.
template <async_read R>
class [[nodiscard("a future does nothing until it is awaited")]] read_future {
public:
    using output = std::size_t;
    read_future(R& r, std::span<std::byte> buf) noexcept : r_(std::addressof(r)), buf_(buf) {}
    af::poll<std::size_t> poll(context& cx) { return r_->poll_read(cx, buf_); }

private:
    R* r_;
    std::span<std::byte> buf_;
};

template <async_read R>
read_future<R> read(R& r, std::span<std::byte> buf) noexcept {
    return read_future<R>(r, buf);
}

}  // namespace af::io

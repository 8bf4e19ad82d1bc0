// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::read_to_end(r, out)`: a future that appends everything `r` yields to the byte
/// vector `out` until end of stream, and gives the number of bytes appended.
///
///     std::vector<std::byte> body;
///     std::size_t n = co_await af::io::read_to_end(conn, body);
///
/// For text use `af::io::read_to_string`. Memory: grows without bound; read in pieces (or with
/// a framing codec's maximum) when the peer is not trusted.
///
/// The future borrows `r` and `out`: both must outlive it. Cancellation: safe in the sense that
/// nothing is lost; the bytes read before the drop stay appended to `out` (and `out` holds
/// only real bytes between polls). Thread safety: as `r`.
#include <cstddef>  // std::byte, std::size_t
#include <memory>   // std::addressof
#include <span>     // the free tail of out
#include <vector>   // the destination

#include "af/io/async_read.hpp"

namespace af::io {

namespace detail {
// Reads once into the spare tail of `out` (any contiguous container of bytes or chars), growing
// it by at least `chunk`; `out` keeps only the bytes actually read, even if poll_read throws.
template <async_read R, class Buf>
poll<std::size_t> read_append(R& r, context& cx, Buf& out, std::size_t chunk = 4096) {
    std::size_t old = out.size();
    out.resize(old + chunk);
    try {
        auto tail = std::as_writable_bytes(std::span(out.data() + old, chunk));
        auto p = r.poll_read(cx, tail);
        out.resize(old + (p.is_ready() ? *p : 0));
        return p;
    } catch (...) {
        out.resize(old);
        throw;
    }
}
}  // namespace detail

/// The future made by `af::io::read_to_end`.
template <async_read R>
class [[nodiscard("a future does nothing until it is awaited")]] read_to_end_future {
public:
    using output = std::size_t;
    read_to_end_future(R& r, std::vector<std::byte>& out) noexcept : r_(std::addressof(r)), out_(std::addressof(out)) {}

    af::poll<std::size_t> poll(context& cx) {
        for (;;) {
            auto p = detail::read_append(*r_, cx, *out_);
            if (p.is_pending()) return pending;
            if (*p == 0) return total_;
            total_ += *p;
        }
    }

private:
    R* r_;
    std::vector<std::byte>* out_;
    std::size_t total_ = 0;
};

template <async_read R>
read_to_end_future<R> read_to_end(R& r, std::vector<std::byte>& out) noexcept {
    return read_to_end_future<R>(r, out);
}

}  // namespace af::io

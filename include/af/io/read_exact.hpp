// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::read_exact(r, buf)`: a future that fills all of `buf`, or throws if the stream ends
/// first.
///
///     std::array<std::byte, 4> header;
///     co_await af::io::read_exact(conn, header);   // all 4 bytes, or an exception
///
/// Errors: end of stream before `buf` is full throws `std::system_error` with code
/// `af::io::error::unexpected_eof` ("read_exact: end of stream after 2 of 4 bytes: ...");
/// errors of `r` propagate.
///
/// The future borrows `r` and `buf`: both must outlive it. Cancellation: NOT safe; dropping the
/// future mid-way leaves the bytes read so far in `buf` and gone from `r`, and how many is not
/// reported. Thread safety: as `r`.
#include <cstddef>       // std::size_t
#include <memory>        // std::addressof
#include <span>          // the destination
#include <string>        // the error text
#include <system_error>  // std::system_error

#include "af/io/async_read.hpp"
#include "af/io/error.hpp"

namespace af::io {

/// The future made by `af::io::read_exact`.
template <async_read R>
class [[nodiscard("a future does nothing until it is awaited")]] read_exact_future {
public:
    using output = void;
    read_exact_future(R& r, std::span<std::byte> buf) noexcept : r_(std::addressof(r)), buf_(buf) {}

    af::poll<void> poll(context& cx) {
        while (done_ < buf_.size()) {
            auto p = r_->poll_read(cx, buf_.subspan(done_));
            if (p.is_pending()) return pending;
            if (*p == 0) {
                throw af::error(error::unexpected_eof, "read_exact: end of stream after " +
                                                                   std::to_string(done_) + " of " +
                                                                   std::to_string(buf_.size()) + " bytes");
            }
            done_ += *p;
        }
        return {};
    }

private:
    R* r_;
    std::span<std::byte> buf_;
    std::size_t done_ = 0;
};

template <async_read R>
read_exact_future<R> read_exact(R& r, std::span<std::byte> buf) noexcept {
    return read_exact_future<R>(r, buf);
}

}  // namespace af::io

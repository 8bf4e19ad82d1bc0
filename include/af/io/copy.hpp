// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::copy(r, w)`: a future that moves every byte of reader `r` into writer `w` until
/// `r` ends, flushes `w`, and gives the number of bytes copied.
///
///     std::uint64_t n = co_await af::io::copy(upload, file);
///
/// `w` is not shut down at the end (use `af::io::shutdown`, or `copy_bidirectional` for a
/// proxy). The copy goes through an 8 KiB buffer owned by the future, allocated when it is
/// made. For a reader that is already an `async_buf_read`, the extra buffer is one memcpy.
///
/// The future borrows `r` and `w`: both must outlive it. Cancellation: NOT safe; up to 8 KiB
/// read from `r` but not yet written to `w` are lost with the future. Thread safety: as `r`
/// and `w`.
#include <cstdint>  // std::uint64_t
#include <memory>   // std::addressof

#include "af/io/detail/copy_buffer.hpp"

namespace af::io {

/// The future made by `af::io::copy`.
template <async_read R, async_write W>
class [[nodiscard("a future does nothing until it is awaited")]] copy_future {
public:
    using output = std::uint64_t;
    copy_future(R& r, W& w) : r_(std::addressof(r)), w_(std::addressof(w)), buf_(false) {}
    af::poll<std::uint64_t> poll(context& cx) { return buf_.poll_copy(cx, *r_, *w_); }

private:
    R* r_;
    W* w_;
    detail::copy_buffer buf_;
};

template <async_read R, async_write W>
copy_future<R, W> copy(R& r, W& w) {
    return copy_future<R, W>(r, w);
}

}  // namespace af::io

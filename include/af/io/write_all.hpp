// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::write_all(w, buf)`: a future that writes all of `buf`, looping over short writes.
///
///     co_await af::io::write_all(conn, std::as_bytes(std::span(msg)));
///
/// It does not flush: follow with `af::io::flush(w)` when `w` buffers. Errors: a writer that
/// accepts 0 bytes throws `std::system_error` (`af::io::error::write_zero`); errors of `w`
/// propagate.
///
/// The future borrows `w` and `buf`: both must outlive it. Cancellation: NOT safe; dropping it
/// mid-way may have written a prefix of `buf`, and how long is not reported. Thread safety: as
/// `w`.
#include <cstddef>       // std::size_t
#include <memory>        // std::addressof
#include <span>          // the source
#include <system_error>  // std::system_error

#include "af/io/async_write.hpp"
#include "af/io/error.hpp"

namespace af::io {

/// The future made by `af::io::write_all`.
template <async_write W>
class [[nodiscard("a future does nothing until it is awaited")]] write_all_future {
public:
    using output = void;
    write_all_future(W& w, std::span<const std::byte> buf) noexcept : w_(std::addressof(w)), buf_(buf) {}

    af::poll<void> poll(context& cx) {
        while (done_ < buf_.size()) {
            auto p = w_->poll_write(cx, buf_.subspan(done_));
            if (p.is_pending()) return pending;
            if (*p == 0) throw af::error(error::write_zero, "write_all");
            done_ += *p;
        }
        return {};
    }

private:
    W* w_;
    std::span<const std::byte> buf_;
    std::size_t done_ = 0;
};

template <async_write W>
write_all_future<W> write_all(W& w, std::span<const std::byte> buf) noexcept {
    return write_all_future<W>(w, buf);
}

}  // namespace af::io

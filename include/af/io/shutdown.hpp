// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::shutdown(w)`: a future that flushes `w` and then closes its writing side; the
/// reader at the other end sees end of stream (`w.poll_shutdown`).
///
///     co_await af::io::write_all(conn, request);
///     co_await af::io::shutdown(conn);   // "no more from me"; conn can still be read
///
/// The future borrows `w`, which must outlive it. Cancellation: safe; a later shutdown
/// continues where this one stopped. Thread safety: as `w`.
#include <memory>  // std::addressof

#include "af/io/async_write.hpp"

namespace af::io {

/// The future made by `af::io::shutdown`.
template <async_write W>
class [[nodiscard("a future does nothing until it is awaited")]] shutdown_future {
public:
    using output = void;
    explicit shutdown_future(W& w) noexcept : w_(std::addressof(w)) {}
    af::poll<void> poll(context& cx) { return w_->poll_shutdown(cx); }

private:
    W* w_;
};

template <async_write W>
shutdown_future<W> shutdown(W& w) noexcept {
    return shutdown_future<W>(w);
}

}  // namespace af::io

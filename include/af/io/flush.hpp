// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::flush(w)`: a future that is ready once everything written to `w` has reached its
/// destination (`w.poll_flush`).
///
///     co_await af::io::write_all(out, bytes);
///     co_await af::io::flush(out);
///
/// The future borrows `w`, which must outlive it. Cancellation: safe; the buffered bytes stay in
/// `w` and a later flush continues. Thread safety: as `w`.
#include <memory>  // std::addressof

#include "af/io/async_write.hpp"

namespace af::io {

/// The future made by `af::io::flush`.
template <async_write W>
class [[nodiscard("a future does nothing until it is awaited")]] flush_future {
public:
    using output = void;
    explicit flush_future(W& w) noexcept : w_(std::addressof(w)) {}
    af::poll<void> poll(context& cx) { return w_->poll_flush(cx); }

private:
    W* w_;
};

template <async_write W>
flush_future<W> flush(W& w) noexcept {
    return flush_future<W>(w);
}

}  // namespace af::io

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::write_all_vectored(w, slices)`: a future that writes all the bytes of `slices`, in
/// order, with vectored writes (one writev per poll on a socket), looping over short writes.
///
///     std::array<af::io::io_slice, 3> parts{head, body, trailer};
///     co_await af::io::write_all_vectored(conn, parts);   // parts is edited as it goes
///
/// Compared with copying the parts into one buffer and calling `write_all`: no copy, and on a
/// socket one system call for all of them (up to IOV_MAX slices per call). Compared with one
/// `write_all` per part: one system call instead of one per part, and no small TCP segments
/// between them. For a writer that is not vectored (`af::io::is_write_vectored(w)` false) it
/// writes the slices one at a time, like a `write_all` per slice.
///
/// After a short write the slices are advanced (`io_slice::advance_slices`): the span's front
/// slices are dropped and the next one starts later. So `slices` is mutable, the future edits
/// the caller's slices (never the bytes), and afterwards they are not the original parts any
/// more. It does not flush. Errors: a writer that accepts 0 bytes while bytes remain throws
/// `std::system_error` (`af::io::error::write_zero`); errors of `w` propagate. Empty slices
/// are skipped; all empty (or none) is ready at once without a write.
///
/// The future borrows `w`, `slices` and their bytes: all must outlive it. Cancellation: NOT
/// safe; dropping it mid-way may have written a prefix, and how long is only seen in how far
/// `slices` was advanced (bytes of a dropped write on io_uring go out, see tcp_stream::write).
/// Thread safety: as `w`.
#include <cstddef>       // std::size_t
#include <memory>        // std::addressof
#include <span>          // the slices
#include <system_error>  // std::system_error

#include "af/io/async_write.hpp"
#include "af/io/error.hpp"
#include "af/io/io_slice.hpp"

namespace af::io {

/// The future made by `af::io::write_all_vectored`.
template <async_write W>
class [[nodiscard("a future does nothing until it is awaited")]] write_all_vectored_future {
public:
    using output = void;
    write_all_vectored_future(W& w, std::span<io_slice> slices) noexcept : w_(std::addressof(w)), slices_(slices) {}

    af::poll<void> poll(context& cx) {
        io_slice::advance_slices(slices_, 0);  // leading empty slices: nothing to write
        while (!slices_.empty()) {
            auto p = af::io::poll_write_vectored(*w_, cx, std::span<const io_slice>(slices_));
            if (p.is_pending()) return pending;
            if (*p == 0) throw af::error(error::write_zero, "write_all_vectored");
            io_slice::advance_slices(slices_, *p);
        }
        return {};
    }

private:
    W* w_;
    std::span<io_slice> slices_;
};

template <async_write W>
write_all_vectored_future<W> write_all_vectored(W& w, std::span<io_slice> slices) noexcept {
    return write_all_vectored_future<W>(w, slices);
}

}  // namespace af::io

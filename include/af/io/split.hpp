// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::split(io)`: a read half and a write half of one I/O object, to read in one task and
/// write in another (possibly on different threads).
///
///     auto [rd, wr] = af::io::split(std::move(conn));
///     pool.spawn(pump_in(std::move(rd)));
///     pool.spawn(pump_out(std::move(wr)));
///
/// Design: both halves share ownership of `io` with a `std::mutex`. Every poll takes the lock
/// for the length of one `poll_read` / `poll_write` / ... call of `io` and never across a
/// suspension, so a half never waits for the other to make progress, only for the other's
/// current poll call to return (a memcpy, for in-memory pipes). A lock-free two-state token
/// would avoid even that, at the price of a waker dance; not worth it for a call this short.
///
/// `io` must keep separate waker slots for reads and writes (as `af::io::duplex` does): with a
/// single slot, a pending read and a pending write would overwrite each other's waker. `io` is
/// destroyed with the last half. Shutting down the write half does not affect the read half.
///
/// Thread safety: each half is used by one task at a time; the two halves may be used at once.
/// Cancellation: as the corresponding operation of `io`.
#include <cstddef>  // std::byte, std::size_t
#include <memory>   // std::shared_ptr
#include <mutex>    // std::mutex
#include <span>     // bytes
#include <utility>  // std::pair

#include "af/io/async_read.hpp"
#include "af/io/async_write.hpp"

namespace af::io {

namespace detail {
template <class T>
struct split_state {
    explicit split_state(T&& t) : io(std::move(t)) {}
    std::mutex m;
    T io;
};
}  // namespace detail

/// The read half made by `af::io::split`: an `async_read`.
template <class T>
class read_half {
public:
    explicit read_half(std::shared_ptr<detail::split_state<T>> s) noexcept : s_(std::move(s)) {}
    poll<std::size_t> poll_read(context& cx, std::span<std::byte> buf) {
        std::lock_guard lk(s_->m);
        return s_->io.poll_read(cx, buf);
    }

private:
    std::shared_ptr<detail::split_state<T>> s_;
};

/// The write half made by `af::io::split`: an `async_write`.
template <class T>
class write_half {
public:
    explicit write_half(std::shared_ptr<detail::split_state<T>> s) noexcept : s_(std::move(s)) {}
    poll<std::size_t> poll_write(context& cx, std::span<const std::byte> buf) {
        std::lock_guard lk(s_->m);
        return s_->io.poll_write(cx, buf);
    }
    /// Forwards to `io`'s vectored write (or its poll_write of the first slice).
    poll<std::size_t> poll_write_vectored(context& cx, std::span<const io_slice> slices) {
        std::lock_guard lk(s_->m);
        return af::io::poll_write_vectored(s_->io, cx, slices);
    }
    bool is_write_vectored() const noexcept { return af::io::is_write_vectored(s_->io); }
    poll<void> poll_flush(context& cx) {
        std::lock_guard lk(s_->m);
        return s_->io.poll_flush(cx);
    }
    poll<void> poll_shutdown(context& cx) {
        std::lock_guard lk(s_->m);
        return s_->io.poll_shutdown(cx);
    }

private:
    std::shared_ptr<detail::split_state<T>> s_;
};

template <class T>
    requires async_read<T> && async_write<T>
std::pair<read_half<T>, write_half<T>> split(T io) {
    auto s = std::make_shared<detail::split_state<T>>(std::move(io));
    return {read_half<T>(s), write_half<T>(s)};
}

}  // namespace af::io

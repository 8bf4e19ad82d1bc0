// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::duplex(capacity)`: two connected in-memory byte streams, like the two ends of a
/// socket, for tests and for gluing I/O code together without an operating system.
///
///     auto [client, server] = af::io::duplex(64);
///     // bytes written to client are read from server, and the other way round
///
/// Each direction has its own buffer of `capacity` bytes: a write is short (or pending) when
/// the buffer is full, a read is short when it holds less than asked. `poll_shutdown` (or
/// destroying an end) gives the other end end-of-stream once it has read what was written;
/// destroying an end makes the other end's writes throw `std::system_error`
/// (`std::errc::broken_pipe`), as does writing after one's own shutdown. `poll_flush` is
/// always ready: there is nowhere further for the bytes to go. Vectored writes copy as many
/// slices as fit in one call.
///
/// Thread safety: the two ends may be used from different threads; one end may be read from
/// one task while another task writes to it (each direction has its own lock and wakers). Two
/// tasks reading (or two writing) the same end at once steal each other's wake-ups.
#include <cstddef>   // std::size_t
#include <memory>    // std::shared_ptr
#include <span>      // bytes
#include <stdexcept> // std::invalid_argument
#include <utility>   // std::pair

#include "af/io/detail/pipe.hpp"

namespace af::io {

/// One end of a `duplex` pair: `async_read` and `async_write`.
class duplex_stream {
public:
    duplex_stream(std::shared_ptr<detail::pipe> in, std::shared_ptr<detail::pipe> out) noexcept
        : in_(std::move(in)), out_(std::move(out)) {}
    duplex_stream(duplex_stream&&) noexcept = default;
    duplex_stream& operator=(duplex_stream&& o) noexcept {
        if (this != &o) {
            close();
            in_ = std::move(o.in_);
            out_ = std::move(o.out_);
        }
        return *this;
    }
    ~duplex_stream() { close(); }

    poll<std::size_t> poll_read(context& cx, std::span<std::byte> buf) { return in_->poll_read(cx, buf); }
    poll<std::size_t> poll_write(context& cx, std::span<const std::byte> buf) { return out_->poll_write(cx, buf); }
    /// Copies as many of the slices as fit, under one lock.
    poll<std::size_t> poll_write_vectored(context& cx, std::span<const io_slice> slices) {
        return out_->poll_write_vectored(cx, slices);
    }
    bool is_write_vectored() const noexcept { return true; }
    poll<void> poll_flush(context&) noexcept { return {}; }
    poll<void> poll_shutdown(context&) {
        out_->close_write();
        return {};
    }

private:
    void close() {
        if (in_) in_->close_read();
        if (out_) out_->close_write();
    }
    std::shared_ptr<detail::pipe> in_;
    std::shared_ptr<detail::pipe> out_;
};

/// A connected pair of ends, each direction buffering up to `capacity` bytes (at least 1,
/// else std::invalid_argument).
inline std::pair<duplex_stream, duplex_stream> duplex(std::size_t capacity) {
    if (capacity == 0) throw std::invalid_argument("duplex capacity must be at least 1");
    auto ab = std::make_shared<detail::pipe>(capacity);
    auto ba = std::make_shared<detail::pipe>(capacity);
    return {duplex_stream(ba, ab), duplex_stream(ab, ba)};
}

}  // namespace af::io

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::framed(io, codec)`: an I/O object seen as messages. It is an `af::stream` of the
/// codec's frames (read side) and an `af::sink` of them (write side).
///
///     auto conn = af::io::framed(std::move(socket), af::io::length_delimited_codec());
///     co_await af::sinks::send(conn, request);                  // encode, write, flush
///     while (auto reply = co_await af::next(conn)) ...   // read, decode
///
/// Read side: bytes are read in pieces of up to 4 KiB into an `af::bytes_mut` and offered to
/// `codec.decode` after each read; at end of stream `codec.decode_eof` gets the rest, and then
/// the stream ends. A codec whose frames are `af::bytes` (`length_delimited_codec`) hands out
/// pieces of that buffer, not copies; once the application has dropped them, the buffer
/// reuses its memory instead of allocating (docs/design/0016-buffers.md). A codec error
/// (`af::io::frame_error`, e.g. a frame over the maximum length) and errors of `io` throw out
/// of `poll_next`; the stream must not be polled again after that. Because the codec refuses
/// an oversized frame as soon as its header or its first `max + 2` bytes arrive, the buffer
/// never holds more than about one maximum frame plus 4 KiB (frames the application still
/// holds keep their own bytes alive, as any value would).
///
/// Write side: `start_send` encodes into a write buffer (an `af::bytes_mut`); `poll_ready` is
/// pending while 8 KiB or more are waiting to be written (backpressure); `poll_flush` writes
/// the buffer and flushes `io`; `poll_close` flushes and then shuts `io` down.
///
/// Pipelined replies: `has_buffered_frame()` says whether another complete frame is already
/// received; `co_await af::io::send_pipelined(conn, reply)` (af/io/send_pipelined.hpp) queues a
/// reply and flushes only when it is false, so 16 pipelined requests get one write, not 16.
///
/// Pass an lvalue to borrow `io` (`framed(conn, codec)`), an rvalue to own it. Cancellation:
/// every poll is safe to abandon; a partly received frame stays buffered, and sent frames stay
/// in the write buffer until flushed. Thread safety: as `io`; reading in one task while
/// writing in another needs `af::io::split` first (one `framed` per half).
#include <cstddef>      // std::byte, std::size_t
#include <exception>    // a decode error met while looking ahead
#include <optional>     // items
#include <span>         // bytes
#include <system_error> // write_zero
#include <type_traits>  // std::remove_reference_t
#include <utility>      // std::forward, std::move, std::exchange

#include "af/bytes/bytes_mut.hpp"  // the read and write buffers
#include "af/io/async_read.hpp"
#include "af/io/async_write.hpp"
#include "af/io/codec.hpp"
#include "af/io/error.hpp"
#include "af/stream/stream.hpp"

namespace af::io {

/// The stream and sink made by `af::io::framed`.
template <class T, codec C>
class [[nodiscard("a framed stream does nothing until it is polled")]] framed {
    using io_type = std::remove_reference_t<T>;

public:
    using item = typename C::frame;
    static constexpr std::size_t read_chunk = 4096;
    static constexpr std::size_t write_high_water = 8192;

    framed(T&& io, C codec) : io_(std::forward<T>(io)), codec_(std::move(codec)) {}

    // --- stream of frames ---
    af::poll<std::optional<item>> poll_next(context& cx)
        requires async_read<io_type>
    {
        if (lookahead_) return ready_frame(*std::exchange(lookahead_, std::nullopt));
        if (read_error_) std::rethrow_exception(std::exchange(read_error_, nullptr));
        for (;;) {
            if (!eof_) {
                if (auto f = codec_.decode(rbuf_)) return ready_frame(std::move(*f));
            } else {
                if (done_) return af::detail::stream_end<item>();
                if (auto f = codec_.decode_eof(rbuf_)) return ready_frame(std::move(*f));
                done_ = true;
                return af::detail::stream_end<item>();
            }
            // Need more bytes: read a piece onto the end. Once the frames handed out earlier
            // are dropped, reserve moves the undecoded rest to the front of the same block.
            rbuf_.reserve(read_chunk);
            af::poll<std::size_t> p = io_.poll_read(cx, rbuf_.spare_capacity().first(read_chunk));
            if (p.is_pending()) return pending;
            if (*p == 0) eof_ = true;
            rbuf_.advance_mut(*p);
        }
    }

    // --- sink of frames ---
    af::poll<void> poll_ready(context& cx)
        requires async_write<io_type>
    {
        if (wbuf_.size() < write_high_water) return {};
        return poll_write_buf(cx);
    }
    void start_send(item f)
        requires async_write<io_type>
    {
        codec_.encode(f, wbuf_);
    }
    af::poll<void> poll_flush(context& cx)
        requires async_write<io_type>
    {
        if (poll_write_buf(cx).is_pending()) return pending;
        return io_.poll_flush(cx);
    }
    af::poll<void> poll_close(context& cx)
        requires async_write<io_type>
    {
        if (poll_write_buf(cx).is_pending()) return pending;
        return io_.poll_shutdown(cx);
    }

    /// True if a complete frame is already received and decoded ahead (the next `poll_next`
    /// returns it without reading). Reads nothing. A decode error met here is kept for the next
    /// `poll_next` to throw, and counts as false (so pending replies are flushed first).
    bool has_buffered_frame()
        requires async_read<io_type>
    {
        if (lookahead_) return true;
        if (read_error_ || eof_ || rbuf_.empty()) return false;
        try {
            lookahead_ = codec_.decode(rbuf_);
        } catch (...) {
            read_error_ = std::current_exception();
        }
        return lookahead_.has_value();
    }

    /// Bytes encoded but not yet written.
    std::size_t write_buffer_size() const noexcept { return wbuf_.size(); }

    io_type& get_ref() noexcept { return io_; }
    C& get_codec() noexcept { return codec_; }
    /// Bytes received but not yet decoded.
    std::span<const std::byte> read_buffer() const noexcept { return rbuf_.as_span(); }

private:
    static af::poll<std::optional<item>> ready_frame(item&& f) {
        return af::poll<std::optional<item>>(std::in_place, std::in_place, std::move(f));
    }

    af::poll<void> poll_write_buf(context& cx) {
        while (!wbuf_.empty()) {
            auto p = io_.poll_write(cx, wbuf_.as_span());
            if (p.is_pending()) return pending;
            if (*p == 0) throw af::error(error::write_zero, "framed");
            wbuf_.advance(*p);  // the next reserve moves any rest back to the block's start
        }
        return {};
    }

    T io_;
    C codec_;
    af::bytes_mut rbuf_;  // received, not yet decoded
    bool eof_ = false;
    bool done_ = false;
    std::optional<item> lookahead_;   // decoded by has_buffered_frame, not yet returned
    std::exception_ptr read_error_;   // thrown by decode in has_buffered_frame
    af::bytes_mut wbuf_;  // encoded, not yet written
};

template <class T, class C>
framed(T&&, C) -> framed<T, C>;

}  // namespace af::io

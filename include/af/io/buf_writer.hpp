// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::buf_writer<W>`: collects small writes into a buffer and hands them to writer `W` in
/// large pieces.
///
///     af::io::buf_writer out(std::move(conn));
///     co_await af::io::write_all(out, header);
///     co_await af::io::write_all(out, body);
///     co_await af::io::flush(out);   // without it the bytes may stay in the buffer
///
/// A write that does not fit first flushes the buffer to `W`; a write at least as large as the
/// buffer goes straight to `W`. When `W` is vectored (`af::io::is_write_vectored`, a socket)
/// such a large write and the buffered bytes go out together in one vectored write
/// ([buffered, new]: one writev instead of a flush and a write). `poll_write_vectored` copies
/// slices that fit into the buffer, so a buf_writer is itself vectored whatever `W` is.
/// `poll_flush` and `poll_shutdown` empty the buffer first.
/// Destroying a `buf_writer` with buffered bytes loses them (a destructor cannot await): flush
/// or shut down first. Reads pass through when `W` is also a reader.
///
/// Cancellation: every poll is safe to abandon; accepted bytes stay buffered. Thread safety: as
/// `W`.
#include <algorithm>    // std::min
#include <cstddef>      // std::byte, std::size_t
#include <span>         // bytes
#include <system_error> // write_zero
#include <type_traits>  // std::remove_reference_t
#include <utility>      // std::forward
#include <vector>       // the buffer

#include "af/io/async_read.hpp"
#include "af/io/async_write.hpp"
#include "af/io/error.hpp"
#include "af/io/io_slice.hpp"

namespace af::io {

template <class W>
    requires async_write<std::remove_reference_t<W>>
class buf_writer {
public:
    static constexpr std::size_t default_capacity = 8192;

    explicit buf_writer(W&& inner, std::size_t capacity = default_capacity)
        : inner_(std::forward<W>(inner)), cap_(capacity ? capacity : 1) {
        buf_.reserve(cap_);
    }

    poll<std::size_t> poll_write(context& cx, std::span<const std::byte> in) {
        if (in.size() >= cap_ && af::io::is_write_vectored(inner_)) {
            io_slice one(in);
            return poll_write_through(cx, std::span<const io_slice>(&one, 1));
        }
        if (buf_.size() + in.size() > cap_ && poll_flush_buf(cx).is_pending()) return pending;
        if (in.size() >= cap_) return inner_.poll_write(cx, in);
        buf_.insert(buf_.end(), in.begin(), in.end());
        return in.size();
    }
    /// Slices that fit are copied into the buffer; a total at least as large as the buffer
    /// goes to `W` (with the buffered bytes in the same write when `W` is vectored).
    poll<std::size_t> poll_write_vectored(context& cx, std::span<const io_slice> in) {
        std::size_t total = total_size(in);
        if (total >= cap_ && af::io::is_write_vectored(inner_)) return poll_write_through(cx, in);
        if (buf_.size() + total > cap_ && poll_flush_buf(cx).is_pending()) return pending;
        if (total >= cap_) return af::io::poll_write_vectored(inner_, cx, in);
        for (const io_slice& s : in) buf_.insert(buf_.end(), s.data(), s.data() + s.size());
        return total;
    }
    /// Always true: small slices are gathered into the buffer, large ones are passed on.
    bool is_write_vectored() const noexcept { return true; }
    poll<void> poll_flush(context& cx) {
        if (poll_flush_buf(cx).is_pending()) return pending;
        return inner_.poll_flush(cx);
    }
    poll<void> poll_shutdown(context& cx) {
        if (poll_flush_buf(cx).is_pending()) return pending;
        return inner_.poll_shutdown(cx);
    }

    poll<std::size_t> poll_read(context& cx, std::span<std::byte> out)
        requires async_read<std::remove_reference_t<W>>
    {
        return inner_.poll_read(cx, out);
    }

    /// The bytes accepted but not yet handed to `W`.
    std::span<const std::byte> buffer() const noexcept { return std::span(buf_).subspan(written_); }
    std::remove_reference_t<W>& get_ref() noexcept { return inner_; }

private:
    // `in` (at least a buffer's worth) goes to the vectored `W` behind the buffered bytes, in
    // one write: the buffered bytes are reported as flushed, only `in`'s bytes as written.
    // Until the buffered bytes are all out, a short write just flushes part of them and we
    // write again (reporting 0 bytes of `in` would mean write_zero).
    poll<std::size_t> poll_write_through(context& cx, std::span<const io_slice> in) {
        constexpr std::size_t max_parts = 64;  // more slices: a short write, the caller goes on
        for (;;) {
            std::span<const std::byte> held = buffer();
            if (held.empty()) {
                buf_.clear();
                written_ = 0;
                return af::io::poll_write_vectored(inner_, cx, in);
            }
            io_slice parts[max_parts];
            parts[0] = io_slice(held);
            std::size_t k = std::min(in.size(), max_parts - 1);
            for (std::size_t i = 0; i < k; ++i) parts[i + 1] = in[i];
            auto p = af::io::poll_write_vectored(inner_, cx, std::span<const io_slice>(parts, k + 1));
            if (p.is_pending()) return pending;
            if (*p == 0) throw af::error(error::write_zero, "buf_writer");
            if (*p <= held.size()) {
                written_ += *p;
                continue;
            }
            buf_.clear();
            written_ = 0;
            return *p - held.size();
        }
    }

    poll<void> poll_flush_buf(context& cx) {
        while (written_ < buf_.size()) {
            auto p = inner_.poll_write(cx, std::span<const std::byte>(buf_).subspan(written_));
            if (p.is_pending()) return pending;
            if (*p == 0) throw af::error(error::write_zero, "buf_writer");
            written_ += *p;
        }
        buf_.clear();
        written_ = 0;
        return {};
    }

    W inner_;
    std::vector<std::byte> buf_;
    std::size_t cap_;
    std::size_t written_ = 0;
};

template <class W>
buf_writer(W&&) -> buf_writer<W>;
template <class W>
buf_writer(W&&, std::size_t) -> buf_writer<W>;

}  // namespace af::io

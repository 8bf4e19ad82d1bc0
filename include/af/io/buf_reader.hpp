// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::buf_reader<R>`: adds a buffer to reader `R`, making it an `async_buf_read` (lookahead,
/// `af::io::lines`) and turning many small reads into few large ones.
///
///     af::io::buf_reader in(std::move(conn));           // owns conn
///     af::io::buf_reader<af::io::duplex_stream&> b(c);  // borrows c
///     auto lines = af::io::lines(std::move(in));
///
/// A read at least as large as the buffer, when the buffer is empty, bypasses it. Bytes already
/// buffered are no longer in `R`: reading `R` directly would skip them. Writes pass through when
/// `R` is also a writer, so a buffered duplex stays usable both ways.
///
/// Cancellation: every poll is safe to abandon; buffered bytes stay buffered. Thread safety: as
/// `R`; the buffer itself is not synchronized.
#include <algorithm>    // std::min
#include <cstddef>      // std::byte, std::size_t
#include <cstring>      // std::memcpy
#include <memory>       // std::unique_ptr
#include <span>         // bytes
#include <type_traits>  // std::remove_reference_t
#include <utility>      // std::move, std::forward

#include "af/io/async_buf_read.hpp"
#include "af/io/async_read.hpp"
#include "af/io/async_write.hpp"

namespace af::io {

template <class R>
    requires async_read<std::remove_reference_t<R>>
class buf_reader {
public:
    static constexpr std::size_t default_capacity = 8192;

    explicit buf_reader(R&& inner, std::size_t capacity = default_capacity)
        : inner_(std::forward<R>(inner)), buf_(new std::byte[capacity ? capacity : 1]), cap_(capacity ? capacity : 1) {}

    poll<std::span<const std::byte>> poll_fill_buf(context& cx) {
        if (pos_ >= filled_) {
            auto p = inner_.poll_read(cx, std::span(buf_.get(), cap_));
            if (p.is_pending()) return pending;
            pos_ = 0;
            filled_ = *p;
        }
        return std::span<const std::byte>(buf_.get() + pos_, filled_ - pos_);
    }

    void consume(std::size_t n) noexcept { pos_ = std::min(pos_ + n, filled_); }

    poll<std::size_t> poll_read(context& cx, std::span<std::byte> out) {
        if (pos_ >= filled_ && out.size() >= cap_) return inner_.poll_read(cx, out);
        auto p = poll_fill_buf(cx);
        if (p.is_pending()) return pending;
        std::size_t n = std::min(out.size(), p->size());
        if (n) std::memcpy(out.data(), p->data(), n);
        consume(n);
        return n;
    }

    poll<std::size_t> poll_write(context& cx, std::span<const std::byte> in)
        requires async_write<std::remove_reference_t<R>>
    {
        return inner_.poll_write(cx, in);
    }
    poll<std::size_t> poll_write_vectored(context& cx, std::span<const io_slice> slices)
        requires async_write<std::remove_reference_t<R>>
    {
        return af::io::poll_write_vectored(inner_, cx, slices);
    }
    bool is_write_vectored() const noexcept { return af::io::is_write_vectored(inner_); }
    poll<void> poll_flush(context& cx)
        requires async_write<std::remove_reference_t<R>>
    {
        return inner_.poll_flush(cx);
    }
    poll<void> poll_shutdown(context& cx)
        requires async_write<std::remove_reference_t<R>>
    {
        return inner_.poll_shutdown(cx);
    }

    /// The bytes buffered but not yet consumed.
    std::span<const std::byte> buffer() const noexcept { return {buf_.get() + pos_, filled_ - pos_}; }
    std::remove_reference_t<R>& get_ref() noexcept { return inner_; }
    /// The reader; bytes still buffered are lost.
    R into_inner() && { return std::forward<R>(inner_); }

private:
    R inner_;
    std::unique_ptr<std::byte[]> buf_;
    std::size_t cap_;
    std::size_t pos_ = 0;
    std::size_t filled_ = 0;
};

template <class R>
buf_reader(R&&) -> buf_reader<R>;
template <class R>
buf_reader(R&&, std::size_t) -> buf_reader<R>;

}  // namespace af::io

// SPDX-License-Identifier: MIT
#pragma once
// af::http::detail::io_ref: a borrowed byte stream behind a table of functions, so that the
// connection code (src/http/) is compiled once for every transport (tcp_stream, unix_stream,
// an in-memory duplex, later TLS) instead of being a template in the headers.
#include <concepts>  // std::same_as
#include <cstddef>   // std::size_t
#include <memory>   // std::addressof
#include <span>     // bytes

#include "af/core/future.hpp"
#include "af/io/async_read.hpp"
#include "af/io/async_write.hpp"
#include "af/io/io_slice.hpp"

namespace af::http::detail {

class io_ref {
    struct vtable {
        af::poll<std::size_t> (*read)(void*, context&, std::span<std::byte>);
        af::poll<std::size_t> (*write)(void*, context&, std::span<const std::byte>);
        af::poll<std::size_t> (*write_vectored)(void*, context&, std::span<const af::io::io_slice>);
        af::poll<void> (*flush)(void*, context&);
        af::poll<void> (*shutdown)(void*, context&);
        bool vectored;
    };
    template <class IO>
    static constexpr vtable vtable_for{
        [](void* s, context& cx, std::span<std::byte> b) { return static_cast<IO*>(s)->poll_read(cx, b); },
        [](void* s, context& cx, std::span<const std::byte> b) { return static_cast<IO*>(s)->poll_write(cx, b); },
        [](void* s, context& cx, std::span<const af::io::io_slice> v) { return af::io::poll_write_vectored(*static_cast<IO*>(s), cx, v); },
        [](void* s, context& cx) { return static_cast<IO*>(s)->poll_flush(cx); },
        [](void* s, context& cx) { return static_cast<IO*>(s)->poll_shutdown(cx); },
        af::io::async_write_vectored<IO>,
    };

public:
    template <class IO>
        requires af::io::async_read<IO> && af::io::async_write<IO> && (!std::same_as<IO, io_ref>)
    explicit io_ref(IO& io) noexcept : self_(std::addressof(io)), vt_(&vtable_for<IO>) {}

    af::poll<std::size_t> poll_read(context& cx, std::span<std::byte> b) { return vt_->read(self_, cx, b); }
    af::poll<std::size_t> poll_write(context& cx, std::span<const std::byte> b) { return vt_->write(self_, cx, b); }
    af::poll<std::size_t> poll_write_vectored(context& cx, std::span<const af::io::io_slice> v) {
        return vt_->write_vectored(self_, cx, v);
    }
    bool is_write_vectored() const noexcept { return vt_->vectored; }
    af::poll<void> poll_flush(context& cx) { return vt_->flush(self_, cx); }
    af::poll<void> poll_shutdown(context& cx) { return vt_->shutdown(self_, cx); }

private:
    void* self_;
    const vtable* vt_;
};

}  // namespace af::http::detail

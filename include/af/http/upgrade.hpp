// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::upgraded`: the raw connection a server hands to a service after it answered
/// `101 Switching Protocols` to a request with `Upgrade`, or a 2xx to `CONNECT`; and
/// `af::http::upgrade_handler`, the function the service attaches to that response to get it.
///
///     auto svc = [](af::http::request req) -> af::task<af::http::response> {
///         af::http::response r(af::http::status::switching_protocols);
///         r.headers().append(af::http::header::upgrade, "echo/1");
///         r.on_upgrade([](af::http::upgraded io) -> af::task<void> {
///             char buf[4096];
///             for (;;) {   // the new protocol: echo what arrives
///                 auto rd = af::io::read(io, std::as_writable_bytes(std::span(buf)));
///                 std::size_t n = co_await std::move(rd);
///                 if (n == 0) co_return;
///                 co_await af::io::write_all(io, std::as_bytes(std::span(buf, n)));
///             }
///         });
///         co_return r;
///     };
///
/// The connection writes the response head (with `Connection: upgrade` for a 101, and no
/// Content-Length or Transfer-Encoding), then runs the handler in its own task and awaits it:
/// the socket stays owned by the connection, which closes it once the handler returns. The
/// bytes the client sent after the request head (the new protocol's first bytes, often sent
/// in the same packet) are returned first by `poll_read`, before the socket is read again.
/// No HTTP request is parsed on the connection afterwards. A response that carries a handler
/// but is not a 101 to an Upgrade request or a 2xx to CONNECT is sent as a plain response and
/// the handler is dropped; a request body the service did not read is read and dropped (up to
/// 256 KiB) before the switch, else the connection is closed instead of upgraded.
///
/// `upgraded` is an `af::io` byte stream (async_read, async_write, vectored writes), so
/// `af::io::copy_bidirectional`, `framed` and the read/write helpers work on it. It borrows the
/// connection's socket: use it inside the handler (or tasks the handler awaits) only.
///
/// Errors: I/O errors throw from the poll functions as the socket's do; an exception escaping
/// the handler ends the connection's task with it (the server drops the connection).
/// Cancellation: dropping the connection's task (server shutdown after its grace period)
/// drops the handler wherever it was. The server's graceful shutdown does not signal an
/// upgraded connection: it is closed when the grace period ends. Request and body timeouts
/// do not apply after the switch. Thread safety: one task.
/// Design note: docs/design/0023-http-upgrades.md.
#include <algorithm>   // std::min
#include <cstddef>     // std::size_t
#include <cstring>     // std::memcpy
#include <concepts>    // the handler's signature
#include <memory>      // the erased handler
#include <type_traits> // std::invoke_result_t
#include <span>        // buffers
#include <utility>     // std::move

#include "af/bytes/bytes.hpp"
#include "af/core/task.hpp"
#include "af/http/detail/io_ref.hpp"

namespace af::http {

class upgraded {
public:
    /// Made by the server connection: `io` is its socket, `rest` the bytes read past the head.
    upgraded(detail::io_ref io, af::bytes rest) noexcept : io_(io), rest_(std::move(rest)) {}

    af::poll<std::size_t> poll_read(context& cx, std::span<std::byte> b) {
        if (rest_.empty() || b.empty()) return io_.poll_read(cx, b);
        std::size_t n = std::min(b.size(), rest_.size());
        std::memcpy(b.data(), rest_.data(), n);
        rest_.advance(n);
        return n;
    }
    af::poll<std::size_t> poll_write(context& cx, std::span<const std::byte> b) { return io_.poll_write(cx, b); }
    af::poll<std::size_t> poll_write_vectored(context& cx, std::span<const af::io::io_slice> v) {
        return io_.poll_write_vectored(cx, v);
    }
    bool is_write_vectored() const noexcept { return io_.is_write_vectored(); }
    af::poll<void> poll_flush(context& cx) { return io_.poll_flush(cx); }
    af::poll<void> poll_shutdown(context& cx) { return io_.poll_shutdown(cx); }

    /// The bytes received past the request head that poll_read has not returned yet.
    const af::bytes& buffered() const noexcept { return rest_; }

private:
    detail::io_ref io_;
    af::bytes rest_;
};

/// What runs on the connection after the switch: any callable taking `upgraded` and returning
/// `af::task<void>`. Move-only, so it can own what the service prepared (a CONNECT proxy's
/// upstream socket). The connection keeps it alive until the task it returned has finished,
/// so a coroutine lambda may use its captures.
class upgrade_handler {
public:
    upgrade_handler() noexcept = default;
    template <class F>
        requires(!std::same_as<std::remove_cvref_t<F>, upgrade_handler>) && std::invocable<F&, upgraded> &&
                std::same_as<std::invoke_result_t<F&, upgraded>, af::task<void>>
    upgrade_handler(F f)  // NOLINT: implicit on purpose, a lambda converts
        : self_(std::make_unique<model<F>>(std::move(f))) {}

    explicit operator bool() const noexcept { return self_ != nullptr; }
    af::task<void> operator()(upgraded io) { return self_->call(std::move(io)); }

private:
    struct erased {
        virtual ~erased() = default;
        virtual af::task<void> call(upgraded io) = 0;
    };
    template <class F>
    struct model final : erased {
        explicit model(F fn) : f(std::move(fn)) {}
        af::task<void> call(upgraded io) override { return f(std::move(io)); }
        F f;
    };
    std::unique_ptr<erased> self_;
};

}  // namespace af::http

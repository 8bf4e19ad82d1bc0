// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::tls::stream<S>`: TLS over any af byte stream `S` (a tcp_stream, a unix_stream, an
/// in-memory duplex), itself an af byte stream: `af::io::async_read` and `async_write`, with
/// vectored writes, so read_exact, write_all, framed, copy and af::http work on it.
///
///     af::tls::connector connector(af::tls::client_config{});
///     auto tcp = co_await af::net::tcp_stream::connect(addr);
///     auto tls = co_await connector.connect("example.com", std::move(tcp));
///     co_await af::io::write_all(tls, request);
///     std::size_t n = co_await af::io::read(tls, buf);     // 0: the peer sent close_notify
///     co_await af::io::shutdown(tls);                      // sends close_notify
///
/// Get one from `connector::connect` / `acceptor::accept` (handshake done) or
/// `connector::wrap` / `acceptor::wrap` (the handshake runs on the first read, write or
/// `handshake()`). The engine is OpenSSL on memory buffers: the stream polls `S` with the
/// caller's context and never blocks or starts a thread (docs/design/0024-tls.md).
///
/// - Reads: ready 0 after the peer's close_notify. A transport that ends without one throws
///   `errc::truncated` (a truncation attack cannot pass for a clean end).
/// - Writes: a ready write has encrypted its bytes into the stream's buffer (at most 64 KiB
///   of ciphertext wait there); they go to `S` during this and later writes, `poll_flush` and
///   `poll_shutdown`. So flush (or shut down) before expecting the peer to have them.
/// - `poll_shutdown` sends close_notify, flushes, then shuts `S` down. Writing afterwards
///   throws `errc::closed`; reading still works until the peer's close_notify.
/// - A read may send bytes (the rest of the handshake, TLS 1.3 key updates) and a write may
///   read them (the handshake): a stream is used by one task at a time. For a reader and a
///   writer at once, use `af::io::split`.
///
/// Cancellation: dropping any operation (handshake, read, write, flush, shutdown) loses nothing.
/// Every byte received or accepted lives in the stream, not in the dropped future, so the next
/// operation continues where it stopped. Dropping the stream mid-handshake closes `S` without a
/// close_notify. Errors: `af::tls::error` for TLS failures (after one, the stream is unusable:
/// every later operation throws `errc::closed`), `S`'s own exceptions for transport failures.
/// Thread safety: one task at a time; the stream may move between threads.
#include <algorithm>  // std::min
#include <cstddef>    // std::byte, std::size_t
#include <exception>  // a deferred write error
#include <memory>     // std::unique_ptr
#include <span>       // buffers
#include <string>     // the peer's address
#include <string_view>
#include <system_error>  // write_zero
#include <utility>    // std::move
#include <vector>     // the peer's certificate

#include "af/core/future.hpp"
#include "af/io/async_read.hpp"
#include "af/io/async_write.hpp"
#include "af/io/error.hpp"  // write_zero
#include "af/tls/detail/engine.hpp"
#include "af/tls/error.hpp"

namespace af::tls {

template <class S>
    requires af::io::async_read<S> && af::io::async_write<S>
class stream {
public:
    /// Use `connector` or `acceptor` to make one.
    stream(S io, std::unique_ptr<detail::engine> e) : io_(std::move(io)), e_(std::move(e)) {
        if constexpr (requires(const S& s) { s.peer_addr().to_string(); }) {
            try {
                e_->set_peer(io_.peer_addr().to_string());
            } catch (...) {  // an unconnected socket has no peer: errors just name none
            }
        }
    }
    stream(stream&&) noexcept = default;
    stream& operator=(stream&&) noexcept = default;

    /// Runs the handshake (if it has not finished). A client's handshake is ready once its
    /// last flight (Finished) went to the transport. A server's last flight (its Finished in
    /// TLS 1.2, session tickets in 1.3) is sent as far as the transport takes it at once; the
    /// rest goes with the next read or write, so a server never waits for a client to read
    /// its tickets. Cancellation: safe; the next call continues it.
    poll<void> poll_handshake(context& cx) {
        if (flushed_) return {};
        e_->check_usable();
        for (;;) {
            if (!poll_drain(cx)) return pending;
            if (done_) {
                flushed_ = true;
                return {};
            }
            detail::engine::status st = e_->handshake();
            if (st == detail::engine::status::ok) {
                done_ = true;
                if (e_->is_server()) {
                    drain_quietly(cx);
                    flushed_ = true;
                    return {};
                }
                continue;
            }
            if (st == detail::engine::status::failed) fail(cx);
            if (!poll_drain(cx)) return pending;
            poll<bool> got = poll_fill(cx);
            if (got.is_pending()) return pending;
            if (!*got) e_->transport_ended();
        }
    }

    /// The future of `poll_handshake`; borrows the stream.
    class [[nodiscard("a future does nothing until it is awaited")]] handshake_future {
    public:
        using output = void;
        explicit handshake_future(stream& s) noexcept : s_(&s) {}
        af::poll<void> poll(context& cx) { return s_->poll_handshake(cx); }

    private:
        stream* s_;
    };
    handshake_future handshake() noexcept { return handshake_future(*this); }

    poll<std::size_t> poll_read(context& cx, std::span<std::byte> buf) {
        if (buf.empty()) return std::size_t{0};
        if (!flushed_ && poll_handshake(cx).is_pending()) return pending;
        for (;;) {
            if (read_closed_) return std::size_t{0};
            detail::engine::result r = e_->read(buf);
            switch (r.st) {
                case detail::engine::status::ok:
                    drain_quietly(cx);  // a key update's answer; what is left goes with the next write
                    return r.n;
                case detail::engine::status::closed: read_closed_ = true; return std::size_t{0};
                case detail::engine::status::failed: fail(cx);
                case detail::engine::status::want_read: break;
            }
            drain_quietly(cx);
            poll<bool> got = poll_fill(cx);
            if (got.is_pending()) return pending;
            if (!*got) e_->transport_ended();
        }
    }

    poll<std::size_t> poll_write(context& cx, std::span<const std::byte> buf) {
        io::io_slice one(buf);
        return poll_write_vectored(cx, std::span<const io::io_slice>(&one, 1));
    }

    /// Small slices are joined into one TLS record (up to 16 KiB), so a vectored write of a
    /// head and a body costs one record, not two.
    poll<std::size_t> poll_write_vectored(context& cx, std::span<const io::io_slice> slices) {
        if (!flushed_ && poll_handshake(cx).is_pending()) return pending;
        e_->check_usable();
        if (write_error_) std::rethrow_exception(write_error_);
        if (shutdown_) throw error(errc::closed, "tls write after shutdown");
        if (io::total_size(slices) == 0) return std::size_t{0};
        if (e_->pending_output().size() >= max_buffered) {
            poll_drain(cx);
            if (e_->pending_output().size() >= max_buffered) return pending;
        }
        std::size_t n = e_->write(slices, max_buffered);
        poll_drain(cx);  // start sending; the rest goes with the next write, flush or shutdown
        return n;
    }
    bool is_write_vectored() const noexcept { return true; }

    poll<void> poll_flush(context& cx) {
        if (write_error_) std::rethrow_exception(write_error_);
        if (!poll_drain(cx)) return pending;
        return io_.poll_flush(cx);
    }

    /// Sends close_notify (after finishing the handshake if needed), flushes, and shuts `S`
    /// down. After a TLS failure it only shuts `S` down.
    poll<void> poll_shutdown(context& cx) {
        if (!e_->failed()) {
            if (!flushed_ && poll_handshake(cx).is_pending()) return pending;
            if (!shutdown_) e_->shutdown();
            shutdown_ = true;
            if (!poll_drain(cx)) return pending;
        }
        return io_.poll_shutdown(cx);
    }

    /// The ALPN protocol both sides agreed on ("h2"), empty when none (or before the handshake).
    std::string_view alpn_protocol() const noexcept { return e_->alpn_protocol(); }
    /// Client: the name given to connect. Server: the name the client asked for (SNI), or empty.
    std::string_view server_name() const noexcept { return e_->server_name(); }
    /// "TLSv1.3" or "TLSv1.2" after the handshake.
    std::string_view protocol_version() const noexcept { return e_->protocol_version(); }
    /// Whether the handshake resumed an earlier session (no certificate was sent).
    bool session_reused() const noexcept { return e_->session_reused(); }
    /// The peer's certificate (DER), empty if it sent none.
    std::vector<std::byte> peer_certificate() const { return e_->peer_certificate_der(); }
    bool is_handshake_complete() const noexcept { return done_; }

    /// The transport. Reading or writing it directly corrupts the TLS session.
    S& get_ref() noexcept { return io_; }
    const S& get_ref() const noexcept { return io_; }

    /// Ciphertext accepted but not yet written to the transport is capped at this.
    static constexpr std::size_t max_buffered = 64 * 1024;

private:
    // Writes pending ciphertext to the transport; true once none is left.
    bool poll_drain(context& cx) {
        for (;;) {
            std::span<const std::byte> out = e_->pending_output();
            if (out.empty()) return true;
            poll<std::size_t> r = io_.poll_write(cx, out);
            if (r.is_pending()) return false;
            if (*r == 0) throw af::error(io::make_error_code(io::error::write_zero), "tls: transport accepted zero bytes");
            e_->consume_output(*r);
        }
    }
    // Sends what the transport takes now of output the caller did not ask to write (the
    // handshake's last flight, a key update's answer). A transport error is kept for the next
    // write, flush or shutdown: a reader must still get the bytes that arrived before it.
    void drain_quietly(context& cx) {
        try {
            (void)poll_drain(cx);
        } catch (const std::system_error&) {
            write_error_ = std::current_exception();
            e_->discard_output();
        }
    }
    // Reads ciphertext from the transport into the engine: true, or false at its end.
    poll<bool> poll_fill(context& cx) {
        poll<std::size_t> r = io_.poll_read(cx, e_->input_space());
        if (r.is_pending()) return pending;
        if (*r == 0) return false;
        e_->commit_input(*r);
        return true;
    }
    // Sends what the engine has for the peer (an alert) if the transport takes it at once,
    // then throws the failure.
    [[noreturn]] void fail(context& cx) {
        try {
            std::span<const std::byte> out = e_->pending_output();
            if (!out.empty()) (void)io_.poll_write(cx, out);
        } catch (...) {  // the alert is a courtesy; the failure is what the caller needs
        }
        e_->throw_failure();
    }

    S io_;
    std::unique_ptr<detail::engine> e_;
    std::exception_ptr write_error_;  // a transport write error from drain_quietly
    bool done_ = false;               // the engine finished the handshake
    bool flushed_ = false;            // ... and (client) its last flight went to the transport
    bool read_closed_ = false;
    bool shutdown_ = false;
};

}  // namespace af::tls

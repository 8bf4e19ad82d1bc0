// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::tls::detail::engine`: one OpenSSL connection between two memory buffers. It never
/// touches a transport: `af::tls::stream` moves ciphertext between the engine and its byte
/// stream with the transport's own poll functions. OpenSSL's types are only named here
/// (declared, never defined), so this header does not include OpenSSL. Code: src/tls/engine.cpp.
#include <cstddef>  // std::byte, std::size_t
#include <memory>   // std::shared_ptr, std::unique_ptr
#include <span>     // buffers
#include <string>   // names, messages
#include <string_view>
#include <vector>   // the peer's certificate

#include "af/io/io_slice.hpp"  // vectored writes

struct ssl_st;  // OpenSSL's SSL
struct bio_st;  // OpenSSL's BIO

namespace af::tls::detail {

class context_impl;  // src/tls/context.cpp: an SSL_CTX and the settings behind it

class engine {
public:
    enum class status { ok, want_read, closed, failed };
    struct result {
        status st;
        std::size_t n;
    };

    static std::unique_ptr<engine> client(const std::shared_ptr<context_impl>& ctx, std::string_view server_name);
    static std::unique_ptr<engine> server(const std::shared_ptr<context_impl>& ctx);
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    ~engine();

    /// ok: finished; want_read: feed more input (after sending pending_output); failed: see
    /// throw_failure (pending_output may hold the alert to send first).
    status handshake();
    /// Decrypts into `buf`: ok with n > 0, want_read, closed (close_notify) or failed.
    result read(std::span<std::byte> buf);
    /// Encrypts up to `limit` bytes of the slices into pending_output; returns how many.
    std::size_t write(std::span<const io::io_slice> slices, std::size_t limit);
    /// Queues close_notify (once; nothing after a failure).
    void shutdown();

    /// Ciphertext waiting for the transport.
    std::span<const std::byte> pending_output() const noexcept;
    void consume_output(std::size_t n) noexcept;
    /// Drops pending output (the transport cannot take it any more).
    void discard_output() noexcept;
    /// Where the transport's next read goes, and how many bytes it produced.
    std::span<std::byte> input_space() noexcept { return {in_buf_.data(), in_buf_.size()}; }
    void commit_input(std::size_t n);

    /// The transport ended without close_notify: throws handshake or truncated.
    [[noreturn]] void transport_ended();
    /// Throws the failure recorded by handshake or read (or `closed` on a failed stream).
    [[noreturn]] void throw_failure() const;
    bool failed() const noexcept { return !failure_.empty(); }
    /// Throws `closed` naming the earlier failure, if there was one.
    void check_usable() const {
        if (failed()) throw_failure();
    }

    bool is_server() const noexcept { return server_; }
    void set_peer(std::string peer) { peer_ = std::move(peer); }

    std::string_view alpn_protocol() const noexcept;
    std::string_view server_name() const noexcept;
    std::string_view protocol_version() const noexcept;
    bool session_reused() const noexcept;
    std::vector<std::byte> peer_certificate_der() const;

private:
    engine(const std::shared_ptr<context_impl>& ctx, bool server);
    status fail(int ret, const char* op);
    friend class context_impl;

    std::shared_ptr<context_impl> ctx_;
    ssl_st* ssl_ = nullptr;
    bio_st* in_ = nullptr;   // ciphertext from the peer, owned by ssl_
    bio_st* out_ = nullptr;  // ciphertext for the peer, owned by ssl_
    std::size_t out_off_ = 0;  // bytes of out_ already given to the transport
    bool server_ = false;
    bool shutdown_sent_ = false;
    bool finished_ = false;  // the handshake completed (OpenSSL forgets it after a fatal error)
    std::string server_name_;
    std::string peer_;
    std::string failure_;  // what() of the failure; empty while healthy
    int failure_code_ = 0;
    std::vector<std::byte> in_buf_;
    std::vector<std::byte> gather_;  // small slices joined into one record
};

}  // namespace af::tls::detail

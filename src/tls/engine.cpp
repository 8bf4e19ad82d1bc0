// SPDX-License-Identifier: MIT
// af::tls engine: one SSL object between two memory BIOs (docs/design/0024-tls.md).
//
// The input BIO holds ciphertext the stream read from its transport; its EOF return is -1, so
// an empty buffer reads as "retry" (SSL_ERROR_WANT_READ), never as the peer's end: the stream
// decides what the transport's end means (truncated, or a failed handshake). The output BIO
// grows with every record OpenSSL writes; the stream hands its bytes to the transport straight
// from the BIO's memory (pending_output) and reports how many went (consume_output), so
// ciphertext is never copied on the way out. Consumed bytes are dropped when the BIO empties
// (BIO_reset) or, if it never does under a steady stream of writes, once 64 KiB accumulate.
//
// OpenSSL's error queue is per thread and a task may move between threads between polls, so
// every call clears the queue first and reads it right after, within one poll.
#include "af/tls/detail/engine.hpp"

#include <arpa/inet.h>  // inet_pton
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <stdexcept>

#include "af/tls/error.hpp"
#include "context_impl.hpp"

namespace af::tls::detail {

namespace {

constexpr std::size_t record_size = 16 * 1024;   // a full TLS record's plaintext
constexpr std::size_t small_slice = 4 * 1024;     // slices below this are joined
constexpr std::size_t discard_after = 64 * 1024;  // consumed output kept before compacting

bool is_ip_literal(const std::string& name) {
    unsigned char buf[16];
    return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

errc verify_code(long v) {
    switch (v) {
        case X509_V_ERR_CERT_HAS_EXPIRED: return errc::certificate_expired;
        case X509_V_ERR_CERT_NOT_YET_VALID: return errc::certificate_not_yet_valid;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH: return errc::hostname_mismatch;
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return errc::certificate_untrusted;
        default: return errc::certificate_invalid;
    }
}

}  // namespace

engine::engine(const std::shared_ptr<context_impl>& ctx, bool server)
    : ctx_(ctx), server_(server), in_buf_(record_size + 1024) {
    ERR_clear_error();
    ssl_ = SSL_new(ctx_->ctx.get());
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    if (!ssl_ || !in_ || !out_) {
        BIO_free(in_);
        BIO_free(out_);
        SSL_free(ssl_);
        throw error(errc::bad_config, "tls: cannot create a session: " + take_openssl_errors("out of memory"));
    }
    BIO_set_mem_eof_return(in_, -1);
    BIO_set_mem_eof_return(out_, -1);
    SSL_set_bio(ssl_, in_, out_);  // ssl_ owns both now
    SSL_set_app_data(ssl_, this);
    if (server) {
        SSL_set_accept_state(ssl_);
    } else {
        SSL_set_connect_state(ssl_);
    }
}

engine::~engine() { SSL_free(ssl_); }

std::unique_ptr<engine> engine::client(const std::shared_ptr<context_impl>& ctx, std::string_view server_name) {
    if (ctx->server) throw std::invalid_argument("af::tls: a server context cannot make a client stream");
    std::unique_ptr<engine> e(new engine(ctx, false));
    e->server_name_ = std::string(server_name);
    const std::string& name = e->server_name_;
    if (name.empty()) {
        if (ctx->verify_hostname)
            throw std::invalid_argument(
                "af::tls: connect needs the server's name to check its certificate against "
                "(or set client_config::verify_hostname = false)");
        return e;
    }
    bool ip = is_ip_literal(name);
    // SNI carries DNS names only (RFC 6066, section 3).
    if (!ip && SSL_set_tlsext_host_name(e->ssl_, name.c_str()) != 1)
        throw std::invalid_argument("af::tls: invalid server name '" + name + "'");
    if (ctx->verify_hostname) {
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(e->ssl_), name.c_str()) : SSL_set1_host(e->ssl_, name.c_str());
        if (ok != 1) throw std::invalid_argument("af::tls: invalid server name '" + name + "'");
    }
    if (ctx->resume) {
        if (auto s = ctx->find_session(name)) SSL_set_session(e->ssl_, s.get());
    }
    ERR_clear_error();
    return e;
}

std::unique_ptr<engine> engine::server(const std::shared_ptr<context_impl>& ctx) {
    if (!ctx->server) throw std::invalid_argument("af::tls: a client context cannot make a server stream");
    return std::unique_ptr<engine>(new engine(ctx, true));
}

engine::status engine::fail(int err, const char* op) {
    bool in_handshake = !finished_;
    unsigned long first = ERR_peek_error();
    int lib = ERR_GET_LIB(first);
    int reason = ERR_GET_REASON(first);
    long verify = SSL_get_verify_result(ssl_);
    std::string text = take_openssl_errors(err == SSL_ERROR_ZERO_RETURN ? "the peer sent close_notify" : "unknown error");
    errc code = in_handshake ? errc::handshake : errc::protocol;
    if (lib == ERR_LIB_SSL && reason == SSL_R_CERTIFICATE_VERIFY_FAILED && verify != X509_V_OK) {
        code = verify_code(verify);
        text = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    } else if (lib == ERR_LIB_SSL &&
               (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE || reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)) {
        code = errc::certificate_required;
    } else if (lib == ERR_LIB_SSL && reason >= SSL_AD_REASON_OFFSET) {
        code = errc::alert_received;
    }
    std::string where = std::string("tls ") + (in_handshake ? "handshake" : op);
    if (!peer_.empty()) where += (server_ ? " from " : " with ") + peer_;
    failure_ = where + ": " + text;
    failure_code_ = static_cast<int>(code);
    return status::failed;
}

void engine::throw_failure() const { throw error(static_cast<errc>(failure_code_), failure_); }

void engine::transport_ended() {
    if (!failed()) {
        bool in_handshake = !finished_;
        std::string where = std::string("tls ") + (in_handshake ? "handshake" : "read");
        if (!peer_.empty()) where += (server_ ? " from " : " with ") + peer_;
        if (in_handshake) {
            failure_ = where + ": the peer closed the connection during the handshake";
            failure_code_ = static_cast<int>(errc::handshake);
        } else {
            failure_ = where + ": the peer closed the connection without close_notify";
            failure_code_ = static_cast<int>(errc::truncated);
        }
    }
    throw_failure();
}

engine::status engine::handshake() {
    if (failed()) return status::failed;
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_);
    if (r == 1) {
        finished_ = true;
        return status::ok;
    }
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ) return status::want_read;
    return fail(err, "handshake");
}

engine::result engine::read(std::span<std::byte> buf) {
    if (failed()) return {status::failed, 0};
    ERR_clear_error();
    std::size_t n = 0;
    int r = SSL_read_ex(ssl_, buf.data(), buf.size(), &n);
    if (r == 1) return {status::ok, n};
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ) return {status::want_read, 0};
    if (err == SSL_ERROR_ZERO_RETURN) return {status::closed, 0};
    return {fail(err, "read"), 0};
}

std::size_t engine::write(std::span<const io::io_slice> slices, std::size_t limit) {
    check_usable();
    std::size_t done = 0;
    auto write_raw = [&](const std::byte* p, std::size_t len) {
        ERR_clear_error();
        std::size_t n = 0;
        // A memory BIO takes everything: SSL_write_ex succeeds in full or fails for good.
        int r = SSL_write_ex(ssl_, p, len, &n);
        if (r != 1) {
            fail(SSL_get_error(ssl_, r), "write");
            throw_failure();
        }
        done += n;
    };
    auto flush_gather = [&] {
        if (!gather_.empty()) write_raw(gather_.data(), gather_.size());
        gather_.clear();
    };
    gather_.clear();
    for (const io::io_slice& slice : slices) {
        std::size_t room = limit - done - gather_.size();
        if (room == 0) break;
        std::span<const std::byte> s = slice.bytes().first(std::min(slice.size(), room));
        if (s.size() >= small_slice) {
            flush_gather();
            write_raw(s.data(), s.size());
            continue;
        }
        while (!s.empty()) {
            std::size_t take = std::min(s.size(), record_size - gather_.size());
            gather_.insert(gather_.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(take));
            s = s.subspan(take);
            if (gather_.size() == record_size) flush_gather();
        }
    }
    flush_gather();
    return done;
}

void engine::shutdown() {
    if (failed() || shutdown_sent_) return;
    shutdown_sent_ = true;
    ERR_clear_error();
    SSL_shutdown(ssl_);  // writes close_notify into out_; 0 (the peer's not seen yet) is fine
    ERR_clear_error();
}

std::span<const std::byte> engine::pending_output() const noexcept {
    char* p = nullptr;
    long len = BIO_get_mem_data(out_, &p);
    if (len <= 0 || static_cast<std::size_t>(len) <= out_off_) return {};
    return {reinterpret_cast<const std::byte*>(p) + out_off_, static_cast<std::size_t>(len) - out_off_};
}

void engine::consume_output(std::size_t n) noexcept {
    out_off_ += n;
    char* p = nullptr;
    long len = BIO_get_mem_data(out_, &p);
    if (static_cast<std::size_t>(len) <= out_off_) {
        (void)BIO_reset(out_);
        out_off_ = 0;
    } else if (out_off_ >= discard_after) {
        // Never empty under a steady writer: drop the consumed prefix so the BIO cannot grow.
        while (out_off_ > 0) {
            int k = BIO_read(out_, in_buf_.data(), static_cast<int>(std::min(out_off_, in_buf_.size())));
            if (k <= 0) break;
            out_off_ -= static_cast<std::size_t>(k);
        }
    }
}

void engine::discard_output() noexcept {
    (void)BIO_reset(out_);
    out_off_ = 0;
}

void engine::commit_input(std::size_t n) {
    if (n > 0 && BIO_write(in_, in_buf_.data(), static_cast<int>(n)) != static_cast<int>(n))
        throw std::bad_alloc();
}

std::string_view engine::alpn_protocol() const noexcept {
    const unsigned char* p = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl_, &p, &len);
    return p ? std::string_view(reinterpret_cast<const char*>(p), len) : std::string_view();
}

std::string_view engine::server_name() const noexcept {
    if (!server_) return server_name_;
    const char* n = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
    return n ? std::string_view(n) : std::string_view();
}

std::string_view engine::protocol_version() const noexcept {
    return finished_ ? std::string_view(SSL_get_version(ssl_)) : std::string_view();
}

bool engine::session_reused() const noexcept { return SSL_session_reused(ssl_) == 1; }

std::vector<std::byte> engine::peer_certificate_der() const {
    X509* c = SSL_get0_peer_certificate(ssl_);
    if (!c) return {};
    int len = i2d_X509(c, nullptr);
    if (len <= 0) return {};
    std::vector<std::byte> out(static_cast<std::size_t>(len));
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_X509(c, &p);
    return out;
}

}  // namespace af::tls::detail

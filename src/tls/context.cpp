// SPDX-License-Identifier: MIT
// af::tls contexts: client_config / server_config turned into an SSL_CTX.
//
// One SSL_CTX per connector or acceptor, shared by its streams (OpenSSL allows an SSL_CTX to
// be used from several threads once configured). The client keeps its own session cache keyed
// by server name (OpenSSL's client-side cache is not keyed at all): the new-session callback
// stores the newest session, `engine::client` offers it. The server uses OpenSSL's stateless
// tickets (the default) with a fixed session id context, which resumption with client
// certificates needs.
#include <arpa/inet.h>  // inet_pton: is the name an address?
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "af/tls/detail/engine.hpp"
#include "af/tls/error.hpp"
#include "context_impl.hpp"

namespace af::tls {

namespace {

int to_openssl(version v) { return v == version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION; }

[[noreturn]] void config_error(const std::string& what) {
    throw error(errc::bad_config, "tls config: " + what + ": " + detail::take_openssl_errors("invalid"));
}

struct bio_free {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
std::unique_ptr<BIO, bio_free> mem_bio(const std::string& s) {
    return std::unique_ptr<BIO, bio_free>(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

// Every certificate in a PEM text; at least one, else bad_config.
std::vector<std::unique_ptr<X509, detail::x509_free>> read_certs(const std::string& pem, const char* what) {
    std::vector<std::unique_ptr<X509, detail::x509_free>> out;
    auto bio = mem_bio(pem);
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(x);
    // The loop ends on an error (PEM_R_NO_START_LINE at the end of the text): expected once
    // something was read.
    if (out.empty()) config_error(std::string("no certificate in ") + what);
    ERR_clear_error();
    return out;
}

detail::loaded_identity load_identity(const identity& id, const char* what) {
    detail::loaded_identity li;
    auto certs = read_certs(id.cert_chain_pem, what);
    li.leaf = std::move(certs.front());
    li.chain.reset(sk_X509_new_null());
    for (std::size_t i = 1; i < certs.size(); ++i) sk_X509_push(li.chain.get(), certs[i].release());
    auto bio = mem_bio(id.private_key_pem);
    li.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!li.key) config_error(std::string("no private key in ") + what);
    if (X509_check_private_key(li.leaf.get(), li.key.get()) != 1)
        config_error(std::string("the private key does not match the certificate of ") + what);
    return li;
}

void use_identity(SSL_CTX* ctx, const detail::loaded_identity& li, const char* what) {
    if (SSL_CTX_use_cert_and_key(ctx, li.leaf.get(), li.key.get(), li.chain.get(), 1) != 1)
        config_error(std::string("cannot use ") + what);
}

void add_roots(SSL_CTX* ctx, const std::vector<std::string>& pems) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const std::string& pem : pems) {
        for (auto& c : read_certs(pem, "a trusted root")) {
            if (X509_STORE_add_cert(store, c.get()) != 1) config_error("cannot add a trusted root");
        }
    }
}

std::string alpn_wire(const std::vector<std::string>& names) {
    std::string wire;
    for (const std::string& n : names) {
        if (n.empty() || n.size() > 255)
            throw std::invalid_argument("af::tls: an ALPN protocol name must be 1 to 255 bytes long");
        wire.push_back(static_cast<char>(n.size()));
        wire += n;
    }
    return wire;
}

std::unique_ptr<SSL_CTX, detail::ssl_ctx_free> new_ctx(bool server, version lo, version hi) {
    if (to_openssl(lo) > to_openssl(hi)) throw std::invalid_argument("af::tls: min_version is above max_version");
    ERR_clear_error();
    std::unique_ptr<SSL_CTX, detail::ssl_ctx_free> ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
    if (!ctx) config_error("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx.get(), to_openssl(lo));
    SSL_CTX_set_max_proto_version(ctx.get(), to_openssl(hi));
    // Renegotiation would let a read need a write mid-stream in TLS 1.2; nobody needs it.
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
    return ctx;
}

int new_session_cb(SSL* ssl, SSL_SESSION* sess) {
    auto* impl = static_cast<detail::context_impl*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    auto* e = static_cast<detail::engine*>(SSL_get_app_data(ssl));
    if (!impl || !e || e->server_name().empty()) return 0;
    impl->store_session(std::string(e->server_name()), sess);
    return 1;  // we hold the reference now
}

int alpn_select_cb(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen, void* arg) {
    auto* impl = static_cast<detail::context_impl*>(arg);
    unsigned char* chosen = nullptr;
    unsigned char chosen_len = 0;
    const auto* ours = reinterpret_cast<const unsigned char*>(impl->alpn_wire.data());
    // Server preference order: the first of ours that the client offers.
    if (SSL_select_next_proto(&chosen, &chosen_len, ours, static_cast<unsigned>(impl->alpn_wire.size()), in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;  // RFC 7301: no_application_protocol
    *out = chosen;
    *outlen = chosen_len;
    return SSL_TLSEXT_ERR_OK;
}

int servername_cb(SSL* ssl, int*, void* arg) {
    auto* impl = static_cast<detail::context_impl*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name) return SSL_TLSEXT_ERR_OK;
    for (auto& [host, li] : impl->sni) {
        if (strcasecmp(host.c_str(), name) == 0) {
            if (SSL_use_cert_and_key(ssl, li.leaf.get(), li.key.get(), li.chain.get(), 1) != 1)
                return SSL_TLSEXT_ERR_ALERT_FATAL;
            break;
        }
    }
    return SSL_TLSEXT_ERR_OK;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw error(errc::bad_config, "tls config: cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

identity identity::from_pem_files(const std::string& cert_chain_path, const std::string& private_key_path) {
    return identity{read_file(cert_chain_path), read_file(private_key_path)};
}

namespace detail {

std::string take_openssl_errors(const char* fallback) {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        const char* r = ERR_reason_error_string(e);
        std::string text = r ? r : "error " + std::to_string(ERR_GET_REASON(e));
        if (out.find(text) != std::string::npos) continue;
        if (!out.empty()) out += "; ";
        out += text;
    }
    return out.empty() ? fallback : out;
}

std::unique_ptr<SSL_SESSION, session_free> context_impl::find_session(const std::string& name) {
    std::lock_guard lock(sessions_mutex);
    auto it = sessions.find(name);
    if (it == sessions.end()) return nullptr;
    if (!SSL_SESSION_is_resumable(it->second.get())) {
        sessions.erase(it);
        return nullptr;
    }
    SSL_SESSION_up_ref(it->second.get());
    return std::unique_ptr<SSL_SESSION, session_free>(it->second.get());
}

void context_impl::store_session(const std::string& name, SSL_SESSION* s) {
    std::unique_ptr<SSL_SESSION, session_free> owned(s);
    std::lock_guard lock(sessions_mutex);
    if (sessions.size() >= max_sessions && !sessions.count(name)) sessions.erase(sessions.begin());
    sessions[name] = std::move(owned);  // frees the previous one, if any
}

std::shared_ptr<context_impl> make_client_context(const client_config& cfg) {
    auto impl = std::make_shared<context_impl>();
    impl->ctx = new_ctx(false, cfg.min_version, cfg.max_version);
    SSL_CTX* ctx = impl->ctx.get();
    SSL_CTX_set_app_data(ctx, impl.get());
    if (cfg.verify_peer) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
        if (cfg.system_roots && SSL_CTX_set_default_verify_paths(ctx) != 1) config_error("cannot load the system's trusted roots");
        add_roots(ctx, cfg.root_certs_pem);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    }
    impl->verify_hostname = cfg.verify_peer && cfg.verify_hostname;
    if (!cfg.alpn.empty()) {
        std::string wire = alpn_wire(cfg.alpn);
        // SSL_CTX_set_alpn_protos returns 0 on success (unlike the rest of OpenSSL).
        if (SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()), static_cast<unsigned>(wire.size())) != 0)
            config_error("cannot set ALPN");
    }
    if (!cfg.client_identity.cert_chain_pem.empty() || !cfg.client_identity.private_key_pem.empty()) {
        use_identity(ctx, load_identity(cfg.client_identity, "the client identity"), "the client identity");
    }
    impl->resume = cfg.resume_sessions;
    if (cfg.resume_sessions) {
        // No internal store: our callback keeps the sessions, keyed by server name.
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    return impl;
}

std::shared_ptr<context_impl> make_server_context(const server_config& cfg) {
    auto impl = std::make_shared<context_impl>();
    impl->server = true;
    impl->ctx = new_ctx(true, cfg.min_version, cfg.max_version);
    SSL_CTX* ctx = impl->ctx.get();
    SSL_CTX_set_app_data(ctx, impl.get());
    if (cfg.cert.cert_chain_pem.empty()) throw error(errc::bad_config, "tls config: a server needs a certificate (server_config::cert)");
    use_identity(ctx, load_identity(cfg.cert, "the server certificate"), "the server certificate");
    for (const auto& [host, id] : cfg.sni_certs) {
        std::string what = "the certificate for " + host;
        impl->sni.emplace_back(host, load_identity(id, what.c_str()));
    }
    if (!impl->sni.empty()) {
        SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
        SSL_CTX_set_tlsext_servername_arg(ctx, impl.get());
    }
    if (!cfg.alpn.empty()) {
        impl->alpn_wire = alpn_wire(cfg.alpn);
        SSL_CTX_set_alpn_select_cb(ctx, alpn_select_cb, impl.get());
    }
    switch (cfg.client_auth) {
        case client_auth_mode::none: SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr); break;
        case client_auth_mode::optional: SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr); break;
        case client_auth_mode::required:
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
            break;
    }
    if (cfg.client_auth != client_auth_mode::none) add_roots(ctx, cfg.client_roots_pem);
    static const unsigned char sid_ctx[] = "af.tls";
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
    if (!cfg.session_tickets) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(ctx, 0);
    }
    return impl;
}

}  // namespace detail

const std::error_category& tls_category() noexcept {
    static const detail::tls_category c;
    return c;
}

std::string detail::tls_category::message(int c) const {
    switch (static_cast<errc>(c)) {
        case errc::handshake: return "tls handshake failed";
        case errc::certificate_untrusted: return "certificate not trusted";
        case errc::certificate_expired: return "certificate expired";
        case errc::certificate_not_yet_valid: return "certificate not yet valid";
        case errc::hostname_mismatch: return "certificate hostname mismatch";
        case errc::certificate_invalid: return "certificate invalid";
        case errc::certificate_required: return "certificate required";
        case errc::alert_received: return "fatal alert from the peer";
        case errc::protocol: return "tls protocol error";
        case errc::truncated: return "tls stream truncated (no close_notify)";
        case errc::closed: return "tls stream closed";
        case errc::bad_config: return "bad tls configuration";
    }
    return "unknown af.tls error";
}

}  // namespace af::tls

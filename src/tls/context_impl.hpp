// SPDX-License-Identifier: MIT
#pragma once
// Private to src/tls: the SSL_CTX behind a connector or acceptor, its SNI certificates and
// the client's session cache.
#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "af/tls/config.hpp"
#include "af/tls/detail/context.hpp"

namespace af::tls::detail {

// OpenSSL objects owned by unique_ptrs.
struct ssl_ctx_free { void operator()(SSL_CTX* p) const noexcept { SSL_CTX_free(p); } };
struct x509_free { void operator()(X509* p) const noexcept { X509_free(p); } };
struct pkey_free { void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); } };
struct chain_free { void operator()(STACK_OF(X509)* p) const noexcept { sk_X509_pop_free(p, X509_free); } };
struct session_free { void operator()(SSL_SESSION* p) const noexcept { SSL_SESSION_free(p); } };

// A parsed identity: leaf, chain, key.
struct loaded_identity {
    std::unique_ptr<X509, x509_free> leaf;
    std::unique_ptr<STACK_OF(X509), chain_free> chain;
    std::unique_ptr<EVP_PKEY, pkey_free> key;
};

class context_impl {
public:
    std::unique_ptr<SSL_CTX, ssl_ctx_free> ctx;
    bool server = false;
    bool verify_hostname = true;
    bool resume = false;
    std::string alpn_wire;  // server: its protocols in ALPN wire format, for the selection
    std::vector<std::pair<std::string, loaded_identity>> sni;

    // Client session cache: one session per server name, the newest.
    std::mutex sessions_mutex;
    std::map<std::string, std::unique_ptr<SSL_SESSION, session_free>> sessions;
    static constexpr std::size_t max_sessions = 1024;

    std::unique_ptr<SSL_SESSION, session_free> find_session(const std::string& name);
    void store_session(const std::string& name, SSL_SESSION* s);
};

// OpenSSL's error queue as one line ("certificate verify failed"), emptied; `fallback` if empty.
std::string take_openssl_errors(const char* fallback);

}  // namespace af::tls::detail

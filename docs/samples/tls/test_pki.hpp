// SPDX-License-Identifier: MIT
#pragma once
// A throwaway PKI for the book's TLS samples, made with OpenSSL's API at run time: a CA and
// leaves signed by it (P-256, SHA-256), as PEM text. Never use such keys outside a test.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "af/tls/config.hpp"  // af::tls::identity

namespace sample_pki {

struct pem {
    std::string cert;
    std::string key;
};

struct issuer {
    std::shared_ptr<EVP_PKEY> key;
    std::shared_ptr<X509> cert;
    pem pem_text;
};

inline void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test certificate: ") + what);
}

inline std::string to_pem(X509* c) {
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, c);
    char* p = nullptr;
    long n = BIO_get_mem_data(b, &p);
    std::string s(p, static_cast<std::size_t>(n));
    BIO_free(b);
    return s;
}

inline std::string to_pem(EVP_PKEY* k) {
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
    char* p = nullptr;
    long n = BIO_get_mem_data(b, &p);
    std::string s(p, static_cast<std::size_t>(n));
    BIO_free(b);
    return s;
}

inline void add_ext(X509* cert, X509* iss, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, iss, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

// A certificate for `cn` valid from now+from_s to now+to_s seconds. `alt` is a
// subjectAltName value ("DNS:a.test,IP:127.0.0.1"); empty for a CA. Signed by `by` (self if null).
inline issuer make_cert(const std::string& cn, const std::string& alt, const issuer* by, long from_s = -3600,
                        long to_s = 30L * 86400) {
    std::shared_ptr<EVP_PKEY> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    check(key != nullptr, "key");
    std::shared_ptr<X509> cert(X509_new(), X509_free);
    static long serial = 1000;
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), from_s);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), to_s);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509* iss = by ? by->cert.get() : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(iss));
    X509_set_pubkey(cert.get(), key.get());
    if (alt.empty()) {
        add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert.get(), iss, NID_basic_constraints, "CA:FALSE");
        add_ext(cert.get(), iss, NID_subject_alt_name, alt);
        add_ext(cert.get(), iss, NID_ext_key_usage, "serverAuth,clientAuth");
    }
    add_ext(cert.get(), iss, NID_subject_key_identifier, "hash");
    check(X509_sign(cert.get(), by ? by->key.get() : key.get(), EVP_sha256()) > 0, "sign");
    issuer out{key, cert, {to_pem(cert.get()), to_pem(key.get())}};
    return out;
}

inline issuer make_ca(const std::string& cn = "af test ca") { return make_cert(cn, "", nullptr); }

inline af::tls::identity identity_of(const issuer& i) { return af::tls::identity{i.pem_text.cert, i.pem_text.key}; }

}  // namespace sample_pki

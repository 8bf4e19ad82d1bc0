// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::tls::client_config`, `af::tls::server_config` and `af::tls::identity`: the settings a
/// `connector` or `acceptor` is built from. Plain structs: fill in what differs from the
/// defaults, which are the safe ones (verify the peer, check the host name, TLS 1.2 or 1.3,
/// resume sessions).
///
///     af::tls::client_config c;
///     c.alpn = {"h2", "http/1.1"};
///     c.root_certs_pem.push_back(my_ca_pem);     // trusted in addition to the system's roots
///     af::tls::connector connector(c);
///
///     af::tls::server_config s;
///     s.cert = af::tls::identity::from_pem_files("cert.pem", "key.pem");
///     af::tls::acceptor acceptor(s);
///
/// See the book chapter "TLS" and docs/design/0024-tls.md.
#include <string>   // PEM text, names
#include <utility>  // std::pair
#include <vector>   // lists

namespace af::tls {

/// A TLS protocol version.
enum class version { tls1_2, tls1_3 };

/// A certificate chain (leaf first, then intermediates, in PEM) and its private key (PEM).
struct identity {
    std::string cert_chain_pem;
    std::string private_key_pem;

    /// Reads both PEM files. Errors: `af::tls::error` (bad_config) naming the unreadable file.
    static identity from_pem_files(const std::string& cert_chain_path, const std::string& private_key_path);
};

/// Who a client trusts and what it offers.
struct client_config {
    /// Trust the system's roots (Debian: the ca-certificates package, /etc/ssl/certs).
    bool system_roots = true;
    /// More trusted roots, each a PEM text holding one or more certificates.
    std::vector<std::string> root_certs_pem;
    /// Check the server's certificate at all. false is for tests against throwaway servers:
    /// the connection is then encrypted but not authenticated.
    bool verify_peer = true;
    /// Check that the certificate is for the name passed to `connect` (a DNS name or an IP
    /// address literal). On by default; turning it off accepts any trusted certificate.
    bool verify_hostname = true;
    /// ALPN protocols to offer, most preferred first ("h2", "http/1.1"); empty: no ALPN.
    std::vector<std::string> alpn;
    /// A client certificate, for servers that ask for one; empty strings: none.
    identity client_identity;
    version min_version = version::tls1_2;
    version max_version = version::tls1_3;
    /// Remember sessions per server name and offer them on the next connect (fewer round trips
    /// and no certificate check on resumption; `stream::session_reused()` tells).
    bool resume_sessions = true;
};

/// Whether a server asks clients for a certificate.
enum class client_auth_mode { none, optional, required };

/// What a server presents and accepts.
struct server_config {
    /// The certificate presented when no `sni_certs` entry matches the client's server name.
    identity cert;
    /// Certificates chosen by the server name the client sends (SNI), compared without case.
    std::vector<std::pair<std::string, identity>> sni_certs;
    /// ALPN protocols the server speaks, most preferred first. When non-empty and the client
    /// offers ALPN with none of them, the handshake fails (no_application_protocol alert).
    std::vector<std::string> alpn;
    client_auth_mode client_auth = client_auth_mode::none;
    /// Roots that client certificates must chain to (PEM), when client_auth is not none.
    std::vector<std::string> client_roots_pem;
    version min_version = version::tls1_2;
    version max_version = version::tls1_3;
    /// Issue session tickets, so returning clients resume.
    bool session_tickets = true;
};

}  // namespace af::tls

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::tls::error`: what a TLS stream throws when the protocol, a certificate or the
/// configuration fails (docs/design/0024-tls.md, error model in 0015).
///
/// Every TLS failure is an `af::error` (so a `std::system_error`) whose code is an
/// `af::tls::errc` in the category "af.tls". `what()` is one lower-case line that names the
/// operation, the peer's address when the transport knows it, OpenSSL's reason text and, for a
/// rejected certificate, which check failed:
///
///     try { co_await connector.connect("example.com", std::move(tcp)); }
///     catch (const af::tls::error& e) {
///         if (e.code() == af::tls::errc::hostname_mismatch) { /* wrong certificate */ }
///         std::puts(e.what());  // "tls handshake with 93.184.216.34:443: certificate verify
///                               //  failed: hostname mismatch (certificate is for other.example)"
///     }
///
/// Transport errors (a reset socket) are not wrapped: they reach the caller as the transport
/// threw them. A stream that threw a `tls::error` is unusable: later operations throw again.
#include <string>        // messages
#include <system_error>  // std::error_category

#include "af/core/error.hpp"  // af::error

namespace af::tls {

enum class errc {
    handshake = 1,            ///< the handshake failed for a reason not listed below
    certificate_untrusted,    ///< the peer's certificate does not chain to a trusted root (unknown CA, self-signed)
    certificate_expired,      ///< a certificate in the peer's chain has expired
    certificate_not_yet_valid,///< a certificate in the peer's chain is not valid yet
    hostname_mismatch,        ///< the certificate is not for the name (or address) we connected to
    certificate_invalid,      ///< any other failed certificate check (bad signature, wrong purpose...)
    certificate_required,     ///< the server requires a client certificate and none was sent
    alert_received,           ///< the peer refused us with a fatal alert (it did not like our certificate, version...)
    protocol,                 ///< the peer sent bytes that are not valid TLS (garbage, a bad record, a failed MAC)
    truncated,                ///< the transport ended without the peer's close_notify
    closed,                   ///< writing after shutdown, or using a stream that failed before
    bad_config,               ///< a certificate, key or option that OpenSSL refused (unparsable PEM, key mismatch)
};

namespace detail {
class tls_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "af.tls"; }
    std::string message(int c) const override;
};
}  // namespace detail

/// The category of `af::tls::errc` codes.
const std::error_category& tls_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), tls_category()}; }

/// A TLS failure; `code()` is an `af::tls::errc`.
class error : public af::error {
public:
    error(errc e, const std::string& what) : af::error(make_error_code(e), what) {}
};

}  // namespace af::tls

template <>
struct std::is_error_code_enum<af::tls::errc> : std::true_type {};

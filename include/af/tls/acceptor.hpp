// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::tls::acceptor`: the server side. Built once from a `server_config` (certificates,
/// SNI, ALPN, client certificates), shared by every connection.
///
///     af::tls::server_config cfg;
///     cfg.cert = af::tls::identity::from_pem_files("cert.pem", "key.pem");
///     af::tls::acceptor acceptor(cfg);
///     auto [tcp, peer] = co_await listener.accept();
///     auto s = co_await acceptor.accept(std::move(tcp));
///
/// Bound the handshake with `af::time::timeout`: a peer that connects and sends nothing keeps
/// `accept` waiting. Copies share the same OpenSSL context (and session ticket keys).
/// Thread safety: an acceptor may be used from several threads at once.
#include <memory>   // std::shared_ptr
#include <utility>  // std::move

#include "af/core/task.hpp"
#include "af/tls/config.hpp"
#include "af/tls/connector.hpp"  // detail::handshake_then_return
#include "af/tls/detail/context.hpp"
#include "af/tls/stream.hpp"

namespace af::tls {

class acceptor {
public:
    /// Errors: `af::tls::error` (bad_config) for a certificate or key OpenSSL refuses, or a
    /// missing certificate; std::invalid_argument for a bad ALPN name.
    explicit acceptor(const server_config& cfg) : ctx_(detail::make_server_context(cfg)) {}

    /// TLS over `io`, the handshake not yet started (it runs on the first read or write).
    template <class S>
        requires af::io::async_read<S> && af::io::async_write<S>
    stream<S> wrap(S io) const {
        return stream<S>(std::move(io), detail::engine::server(ctx_));
    }

    /// TLS over `io` once the handshake has finished. Errors and cancellation: as
    /// `connector::connect`.
    template <class S>
        requires af::io::async_read<S> && af::io::async_write<S>
    af::task<stream<S>> accept(S io) const {
        return detail::handshake_then_return(wrap(std::move(io)));
    }

private:
    std::shared_ptr<detail::context_impl> ctx_;
};

}  // namespace af::tls

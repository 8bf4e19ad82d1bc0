// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::tls::connector`: the client side. Built once from a `client_config` (trust roots,
/// ALPN, client certificate), shared by every connection it makes; it remembers sessions per
/// server name so the next connect resumes.
///
///     af::tls::connector connector;                          // system roots, checks the name
///     auto tcp = co_await af::net::tcp_stream::connect(addr);
///     af::tls::stream<af::net::tcp_stream> s = co_await connector.connect("example.com", std::move(tcp));
///
/// `server_name` is sent as SNI (unless it is an IP address literal) and is the name the
/// certificate must be for. Copies share the same OpenSSL context and session cache.
/// Thread safety: a connector may be used from several threads at once.
#include <memory>   // std::shared_ptr
#include <string>   // the server name
#include <string_view>
#include <utility>  // std::move

#include "af/core/task.hpp"
#include "af/tls/config.hpp"
#include "af/tls/detail/context.hpp"
#include "af/tls/stream.hpp"

namespace af::tls {

namespace detail {
template <class S>
af::task<stream<S>> handshake_then_return(stream<S> s) {
    co_await s.handshake();
    co_return std::move(s);
}
}  // namespace detail

class connector {
public:
    /// Errors: `af::tls::error` (bad_config) for a root, certificate or key OpenSSL refuses;
    /// std::invalid_argument for an ALPN name that is empty or over 255 bytes.
    explicit connector(const client_config& cfg = {}) : ctx_(detail::make_client_context(cfg)) {}

    /// TLS over `io`, the handshake not yet started: it runs on the first read, write or
    /// `handshake()`.
    template <class S>
        requires af::io::async_read<S> && af::io::async_write<S>
    stream<S> wrap(std::string_view server_name, S io) const {
        return stream<S>(std::move(io), detail::engine::client(ctx_, server_name));
    }

    /// TLS over `io` once the handshake has finished. Errors: `af::tls::error` (which check
    /// failed, OpenSSL's reason, the peer's address), or `io`'s own. Cancellation: dropping
    /// it drops `io` (closing it) and the half-done session.
    template <class S>
        requires af::io::async_read<S> && af::io::async_write<S>
    af::task<stream<S>> connect(std::string_view server_name, S io) const {
        return detail::handshake_then_return(wrap(server_name, std::move(io)));
    }

private:
    std::shared_ptr<detail::context_impl> ctx_;
};

}  // namespace af::tls

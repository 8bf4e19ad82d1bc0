// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// af::tls: TLS 1.2 and 1.3 over any af byte stream, on OpenSSL 3 (link af::tls).
///
/// - `connector` (client) and `acceptor` (server), built from `client_config` /
///   `server_config`: trust roots, certificates (`identity`), ALPN, SNI, client certificates;
/// - `stream<S>`: the encrypted stream, an af::io reader and writer like `S` itself;
/// - `error` / `errc`: what failed (which certificate check, OpenSSL's reason, the peer).
///
/// Book chapter "TLS"; design note docs/design/0024-tls.md.
#include "af/tls/acceptor.hpp"
#include "af/tls/config.hpp"
#include "af/tls/connector.hpp"
#include "af/tls/error.hpp"
#include "af/tls/stream.hpp"

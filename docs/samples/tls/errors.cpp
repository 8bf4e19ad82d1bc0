// SPDX-License-Identifier: MIT
// What a failed certificate check looks like: the code names the check, what() says it too.
#include <af/af.hpp>
#include <af/io.hpp>
#include <af/tls.hpp>

#include <cassert>
#include <cstdio>
#include <string>

#include "test_pki.hpp"

int main() {
    sample_pki::issuer ca = sample_pki::make_ca();
    // Expired yesterday.
    sample_pki::issuer old = sample_pki::make_cert("old.test", "DNS:old.test", &ca, -7 * 86400, -86400);
    af::tls::server_config server;
    server.cert = sample_pki::identity_of(old);
    af::tls::client_config client;
    client.system_roots = false;
    client.root_certs_pem = {ca.pem_text.cert};

    auto [cio, sio] = af::io::duplex(4096);
    af::tls::acceptor acceptor(server);
    af::tls::connector connector(client);
    auto c = connector.wrap("old.test", std::move(cio));   // handshake not started yet
    auto s = acceptor.wrap(std::move(sio));
    auto client_side = [&]() -> af::task<std::string> {
        try {
            co_await c.handshake();
        } catch (const af::tls::error& e) {
            assert(e.code() == af::tls::errc::certificate_expired);
            co_return e.what();
        }
        co_return "connected?";
    };
    auto server_side = [&]() -> af::task<void> {
        try {
            co_await s.handshake();
        } catch (const af::tls::error& e) {
            assert(e.code() == af::tls::errc::alert_received);  // the client's alert
        }
    };
    auto [what, nothing] = af::block_on(af::join(client_side(), server_side()));
    std::printf("%s\n", what.c_str());
}

// SPDX-License-Identifier: MIT
// TLS over an in-memory duplex: a client and a server in one program, with a CA made at run
// time (test_pki.hpp). The same code runs over a tcp_stream or a unix_stream.
#include <af/af.hpp>
#include <af/io.hpp>
#include <af/tls.hpp>

#include <array>
#include <cstdio>
#include <string>

#include "test_pki.hpp"

af::task<void> serve(af::tls::acceptor acceptor, af::io::duplex_stream io) {
    auto tls = co_await acceptor.accept(std::move(io));
    std::printf("server: %s, alpn %s, for %s\n", std::string(tls.protocol_version()).c_str(),
                std::string(tls.alpn_protocol()).c_str(), std::string(tls.server_name()).c_str());
    std::array<std::byte, 1024> buf{};
    while (std::size_t n = co_await af::io::read(tls, buf)) {  // 0: the client's close_notify
        co_await af::io::write_all(tls, std::span<const std::byte>(buf.data(), n));
    }
    co_await af::io::shutdown(tls);  // our close_notify
}

af::task<std::string> ask(af::tls::connector connector, af::io::duplex_stream io) {
    auto tls = co_await connector.connect("echo.test", std::move(io));
    std::string msg = "hello, tls";
    co_await af::io::write_all(tls, std::as_bytes(std::span(msg)));
    co_await af::io::shutdown(tls);  // sends close_notify; we can still read
    std::vector<std::byte> back;
    co_await af::io::read_to_end(tls, back);
    co_return std::string(reinterpret_cast<const char*>(back.data()), back.size());
}

int main() {
    sample_pki::issuer ca = sample_pki::make_ca();
    sample_pki::issuer leaf = sample_pki::make_cert("echo.test", "DNS:echo.test", &ca);

    af::tls::server_config server;
    server.cert = sample_pki::identity_of(leaf);
    server.alpn = {"echo/1"};

    af::tls::client_config client;
    client.system_roots = false;                 // trust only our CA
    client.root_certs_pem = {ca.pem_text.cert};
    client.alpn = {"echo/1"};

    auto [client_io, server_io] = af::io::duplex(4096);
    auto [nothing, reply] = af::block_on(af::join(serve(af::tls::acceptor(server), std::move(server_io)),
                                                  ask(af::tls::connector(client), std::move(client_io))));
    std::printf("client got: %s\n", reply.c_str());
}

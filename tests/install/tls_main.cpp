// SPDX-License-Identifier: MIT
// af::tls from an installed af: the package must carry libaf_tls and find OpenSSL for it. A
// client with the system roots meets a server whose certificate it cannot know (a bad PEM is
// enough to prove the library links; the handshake needs no network: an in-memory duplex).
#include <af/af.hpp>
#include <af/io.hpp>
#include <af/tls.hpp>

#include <cstdio>
#include <string>

int main() {
    std::string out = "tls: ";
    try {
        af::tls::server_config cfg;
        cfg.cert = af::tls::identity{"not pem", "not pem"};
        af::tls::acceptor a(cfg);
        out += "accepted garbage";
    } catch (const af::tls::error& e) {
        if (e.code() == af::tls::errc::bad_config) out += "verified, ";
    }
    af::tls::connector c;  // the system's roots
    auto [cio, sio] = af::io::duplex(1024);
    auto s = c.wrap("example.com", std::move(cio));
    sio = af::io::duplex_stream(nullptr, nullptr);  // the "server" hangs up
    try {
        af::block_on(s.handshake());
    } catch (const std::system_error&) {
        out += "expected";
    }
    std::printf("%s\n", out.c_str());
    return out == "tls: verified, expected" ? 0 : 1;
}

// SPDX-License-Identifier: MIT
// A TLS echo server that survives bad peers: every connection gets 10 seconds to finish its
// handshake, 30 seconds of silence at most, and 1 MiB of echo, then it is closed. Failures
// are logged with the peer's address and what went wrong (af::tls::error says which check).
//
//     tls_echo 127.0.0.1:4433 cert.pem key.pem
//     openssl s_client -connect 127.0.0.1:4433 -CAfile ca.pem -servername localhost
#include <af/io.hpp>
#include <af/net.hpp>
#include <af/rt.hpp>
#include <af/time.hpp>
#include <af/tls.hpp>

#include <array>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;

namespace {

constexpr auto handshake_timeout = 10s;
constexpr auto idle_timeout = 30s;
constexpr std::size_t max_bytes = 1 << 20;

af::task<void> serve(af::tls::acceptor acceptor, af::net::tcp_stream tcp, std::string peer) {
    try {
        auto hs = co_await af::time::timeout(handshake_timeout, acceptor.accept(std::move(tcp)));
        if (hs.elapsed()) {
            std::fprintf(stderr, "%s: no handshake within %llds\n", peer.c_str(),
                         static_cast<long long>(handshake_timeout.count()));
            co_return;
        }
        auto tls = std::move(hs).value();
        std::array<std::byte, 16 * 1024> buf{};
        std::size_t total = 0;
        for (;;) {
            auto got = co_await af::time::timeout(idle_timeout, af::io::read(tls, buf));
            if (got.elapsed()) {
                std::fprintf(stderr, "%s: idle, closing\n", peer.c_str());
                break;
            }
            std::size_t n = *got;
            if (n == 0) break;  // the client's close_notify
            total += n;
            co_await af::io::write_all(tls, std::span<const std::byte>(buf.data(), n));
            co_await af::io::flush(tls);
            if (total >= max_bytes) {
                std::fprintf(stderr, "%s: over %zu bytes, closing\n", peer.c_str(), max_bytes);
                break;
            }
        }
        co_await af::io::shutdown(tls);
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "%s\n", e.what());  // af's I/O and TLS errors name the peer already
    }
}

af::task<int> run(std::string addr, std::string cert, std::string key) {
    af::tls::server_config cfg;
    cfg.cert = af::tls::identity::from_pem_files(cert, key);
    af::tls::acceptor acceptor(cfg);
    auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse(addr));
    std::printf("tls echo on %s\n", listener.local_addr().to_string().c_str());
    std::fflush(stdout);
    for (;;) {
        auto [tcp, peer] = co_await listener.accept();
        af::rt::spawn(serve(acceptor, std::move(tcp), peer.to_string()));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: tls_echo ADDR CERT.pem KEY.pem\n");
        return 2;
    }
    try {
        return af::rt::run([&] { return run(argv[1], argv[2], argv[3]); });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tls_echo: %s\n", e.what());
        return 1;
    }
}

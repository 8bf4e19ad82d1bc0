// SPDX-License-Identifier: MIT
// Fuzzes the server side of af::tls: an acceptor's stream over an in-memory duplex is fed the
// input as the client's bytes (in pieces, with a tiny or roomy pipe chosen by the input), and
// stepped by hand with a no-op waker. What the server writes back is read and dropped.
//
// Checked on every run, beyond "no crash, no leak, no sanitizer report":
// - the server ends: once the input is all sent and the client side shut down, it throws a
//   std::system_error (af::tls::error for bad TLS) or reads end of stream; it never stays
//   pending with nothing left to read (a hang);
// - nothing but std::system_error escapes.
//
// Input: [options] [client bytes...]
//   options bits 0-1: duplex capacity (64 KiB, 512, 16, 1 bytes)
//   options bits 2-4: bytes written per step, as a power of two (1 to 128)
// Seeds (fuzz/corpus/tls_server/): recorded TLS 1.3 and 1.2 ClientHellos, and plain HTTP.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <span>
#include <system_error>

#include "../../tests/tls/certs.hpp"
#include "af/io/duplex.hpp"
#include "af/tls.hpp"

namespace {

const af::tls::acceptor& server() {
    static const af::tls::acceptor a = [] {
        af_tls_test::issuer ca = af_tls_test::make_ca();
        af_tls_test::issuer leaf = af_tls_test::make_cert("server.test", "DNS:server.test", &ca);
        af::tls::server_config cfg;
        cfg.cert = af_tls_test::identity_of(leaf);
        cfg.alpn = {"h2", "http/1.1"};
        return af::tls::acceptor(cfg);
    }();
    return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t opts = data[0];
    std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
    static constexpr std::size_t capacities[] = {64 * 1024, 512, 16, 1};
    const std::size_t step = std::size_t{1} << ((opts >> 2) & 7);
    auto [client, srv] = af::io::duplex(capacities[opts & 3]);
    auto s = server().wrap(std::move(srv));
    af::waker w = af::waker::noop();
    af::context cx(w);
    std::array<std::byte, 4096> sink{};
    std::array<std::byte, 4096> plain{};
    bool client_closed = false;
    bool ended = false;
    for (int idle = 0; !ended && idle < 64;) {
        bool progress = false;
        if (!input.empty()) {
            auto r = client.poll_write(cx, input.first(std::min(step, input.size())));
            if (r.is_ready() && *r > 0) {
                input = input.subspan(*r);
                progress = true;
            }
        } else if (!client_closed) {
            (void)client.poll_shutdown(cx);
            client_closed = true;
            progress = true;
        }
        try {
            if (!s.is_handshake_complete()) {
                if (s.poll_handshake(cx).is_ready()) progress = true;
            } else {
                auto r = s.poll_read(cx, plain);
                if (r.is_ready()) {
                    progress = true;
                    if (*r == 0) ended = true;
                }
            }
        } catch (const std::system_error&) {
            ended = true;
        }
        auto got = client.poll_read(cx, sink);  // what the server sent: dropped
        if (got.is_ready() && *got > 0) progress = true;
        idle = progress ? 0 : idle + 1;
    }
    if (!ended) {
        std::fprintf(stderr, "tls_server_fuzz: the server neither ended nor failed after the client closed\n");
        std::abort();
    }
    return 0;
}

// SPDX-License-Identifier: MIT
// af::tls over TCP against real peers: `openssl s_client`, `openssl s_server` and `curl`,
// spawned on ephemeral ports with certificates made for the test (Debian: openssl, curl).
#include "af/tls.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "af/io.hpp"
#include "af/net.hpp"
#include "af/process.hpp"
#include "af/rt.hpp"
#include "af/time.hpp"
#include "tls/certs.hpp"

namespace tls_peers {

using namespace af_tls_test;
using namespace std::chrono_literals;

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s)); }
std::string text_of(const std::vector<std::byte>& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

bool have(const char* program) {
    std::string cmd = std::string("command -v ") + program + " > /dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

struct files {
    issuer ca = make_ca();
    issuer leaf = make_cert("server.test", "DNS:server.test,IP:127.0.0.1", &ca);
    temp_dir dir;
    std::string ca_pem = dir.write("ca.pem", ca.pem_text.cert);
    std::string cert_pem = dir.write("cert.pem", leaf.pem_text.cert);
    std::string key_pem = dir.write("key.pem", leaf.pem_text.key);

    af::tls::server_config server_cfg() const {
        af::tls::server_config s;
        s.cert = af::tls::identity::from_pem_files(cert_pem, key_pem);
        return s;
    }
    af::tls::client_config client_cfg() const {
        af::tls::client_config c;
        c.system_roots = false;
        c.root_certs_pem = {ca.pem_text.cert};
        return c;
    }
};

// Reads a line (up to '\n') from a TLS stream, a byte at a time (tests only).
template <class S>
af::task<std::string> read_line(S& s) {
    std::string line;
    std::array<std::byte, 1> b{};
    while (co_await af::io::read(s, b) == 1) {
        line.push_back(static_cast<char>(b[0]));
        if (b[0] == std::byte{'\n'}) break;
    }
    co_return line;
}

TEST(TlsPeers, OpensslSClientTalksToAnAfServer) {
    if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
    files f;
    auto scfg = f.server_cfg();
    scfg.alpn = {"echo/1"};
    std::string out = af::rt::run([&]() -> af::task<std::string> {
        af::tls::acceptor acceptor(scfg);
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        std::string port = std::to_string(listener.local_addr().port());
        auto child = af::process::command("openssl")
                         .arg("s_client").arg("-connect").arg("127.0.0.1:" + port)
                         .arg("-servername").arg("server.test").arg("-verify_hostname").arg("server.test")
                         .arg("-CAfile").arg(f.ca_pem).arg("-verify_return_error").arg("-alpn").arg("echo/1")
                         .arg("-quiet")
                         .stdin(af::process::stdio::piped).stdout(af::process::stdio::piped)
                         .stderr(af::process::stdio::null)
                         .spawn();
        co_await af::io::write_all(child.stdin(), bytes_of("ping\n"));
        auto [tcp, peer] = co_await listener.accept();
        auto tls = co_await acceptor.accept(std::move(tcp));
        EXPECT_EQ(tls.alpn_protocol(), "echo/1");
        EXPECT_EQ(tls.server_name(), "server.test");
        std::string line = co_await read_line(tls);
        std::string reply = "echo:" + line;
        co_await af::io::write_all(tls, bytes_of(reply));
        co_await af::io::shutdown(tls);
        auto o = co_await af::time::timeout(10s, child.wait_with_output());
        auto output = std::move(o).value();
        EXPECT_TRUE(output.status.success());
        co_return text_of(output.stdout_bytes);
    });
    EXPECT_EQ(out, "echo:ping\n");
}

TEST(TlsPeers, AnAfClientTalksToOpensslSServer) {
    if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
    files f;
    for (const char* v : {"-tls1_3", "-tls1_2"}) {
        std::string got = af::rt::run([&]() -> af::task<std::string> {
            auto child = af::process::command("openssl")
                             .arg("s_server").arg("-accept").arg("127.0.0.1:0").arg("-naccept").arg("1").arg("-rev")
                             .arg(v).arg("-cert").arg(f.cert_pem).arg("-key").arg(f.key_pem)
                             .stdin(af::process::stdio::null).stdout(af::process::stdio::piped)
                             .stderr(af::process::stdio::null)
                             .spawn();
            std::string banner;
            while (banner.find("ACCEPT") == std::string::npos || banner.back() != '\n') {
                auto line = co_await af::time::timeout(10s, read_line(child.stdout()));
                banner += std::move(line).value();
            }
            std::string port = banner.substr(banner.rfind(':') + 1);
            port.pop_back();
            af::tls::connector connector(f.client_cfg());
            auto tcp = co_await af::net::tcp_stream::connect(af::net::socket_addr::parse("127.0.0.1:" + port));
            auto tls = co_await connector.connect("server.test", std::move(tcp));
            co_await af::io::write_all(tls, bytes_of("hello s_server\n"));
            co_await af::io::flush(tls);
            auto timed = co_await af::time::timeout(10s, read_line(tls));
            std::string line = std::move(timed).value();
            std::string version(tls.protocol_version());
            co_await af::io::shutdown(tls);
            child.kill();
            co_await child.wait();
            co_return version + " " + line;
        });
        std::string want = std::string(v) == "-tls1_3" ? "TLSv1.3" : "TLSv1.2";
        EXPECT_EQ(got, want + " revres_s olleh\n");
    }
}

// A canned HTTP response over af::tls, fetched by curl with certificate and name checks on.
TEST(TlsPeers, CurlFetchesFromAnAfServer) {
    if (!have("curl")) GTEST_SKIP() << "curl not installed";
    files f;
    auto scfg = f.server_cfg();
    scfg.alpn = {"http/1.1"};
    std::string out = af::rt::run([&]() -> af::task<std::string> {
        af::tls::acceptor acceptor(scfg);
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        std::string port = std::to_string(listener.local_addr().port());
        auto child = af::process::command("curl")
                         .arg("-sS").arg("--http1.1").arg("--cacert").arg(f.ca_pem)
                         .arg("--resolve").arg("server.test:" + port + ":127.0.0.1")
                         .arg("https://server.test:" + port + "/hello")
                         .stdout(af::process::stdio::piped).stderr(af::process::stdio::piped)
                         .spawn();
        auto [tcp, peer] = co_await listener.accept();
        auto tls = co_await acceptor.accept(std::move(tcp));
        EXPECT_EQ(tls.alpn_protocol(), "http/1.1");
        std::string head;
        while (head.find("\r\n\r\n") == std::string::npos) head += co_await read_line(tls);
        EXPECT_EQ(head.rfind("GET /hello HTTP/1.1\r\n", 0), 0u) << head;
        std::string body = "hello, curl\n";
        std::string resp = "HTTP/1.1 200 OK\r\ncontent-length: " + std::to_string(body.size()) +
                           "\r\nconnection: close\r\n\r\n";
        std::array<af::io::io_slice, 2> parts{af::io::io_slice(bytes_of(resp)), af::io::io_slice(bytes_of(body))};
        co_await af::io::write_all_vectored(tls, std::span<af::io::io_slice>(parts));
        co_await af::io::shutdown(tls);
        auto o = co_await af::time::timeout(10s, child.wait_with_output());
        auto output = std::move(o).value();
        EXPECT_TRUE(output.status.success()) << text_of(output.stderr_bytes);
        co_return text_of(output.stdout_bytes);
    });
    EXPECT_EQ(out, "hello, curl\n");
}

TEST(TlsPeers, CurlRefusesAServerItCannotVerify) {
    if (!have("curl")) GTEST_SKIP() << "curl not installed";
    files f;
    auto scfg = f.server_cfg();
    std::error_code server_error;
    int exit_code = af::rt::run([&]() -> af::task<int> {
        af::tls::acceptor acceptor(scfg);
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        std::string port = std::to_string(listener.local_addr().port());
        // No --cacert: curl checks against the system roots, which do not know the test CA.
        auto child = af::process::command("curl").arg("-sS").arg("--resolve").arg("server.test:" + port + ":127.0.0.1")
                         .arg("https://server.test:" + port + "/")
                         .stdout(af::process::stdio::null).stderr(af::process::stdio::null)
                         .spawn();
        auto [tcp, peer] = co_await listener.accept();
        try {
            auto tls = co_await acceptor.accept(std::move(tcp));
        } catch (const af::tls::error& e) {
            server_error = e.code();
            EXPECT_NE(std::string(e.what()).find("from 127.0.0.1:"), std::string::npos) << e.what();
        }
        auto st = co_await child.wait();
        co_return st.code().value_or(-1);
    });
    EXPECT_EQ(exit_code, 60);  // curl: "peer certificate cannot be authenticated"
    EXPECT_TRUE(server_error == af::tls::errc::alert_received) << server_error.message();
}

TEST(TlsPeers, ErrorsOverTcpNameThePeer) {
    files f;
    std::string what = af::rt::run([&]() -> af::task<std::string> {
        af::tls::acceptor acceptor(f.server_cfg());
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto addr = listener.local_addr();
        auto serve = [&]() -> af::task<void> {  // named: the coroutine refers to the lambda
            auto [tcp, peer] = co_await listener.accept();
            try {
                auto tls = co_await acceptor.accept(std::move(tcp));
            } catch (const std::system_error&) {
            }
        };
        auto server = af::rt::spawn(serve());
        af::tls::connector connector(f.client_cfg());
        std::string msg;
        try {
            auto tcp = co_await af::net::tcp_stream::connect(addr);
            auto tls = co_await connector.connect("elsewhere.test", std::move(tcp));
        } catch (const af::tls::error& e) {
            msg = e.what();
        }
        co_await std::move(server);
        co_return msg + "|" + addr.to_string();
    });
    auto bar = what.find('|');
    std::string msg = what.substr(0, bar), addr = what.substr(bar + 1);
    EXPECT_EQ(msg, "tls handshake with " + addr + ": certificate verify failed: hostname mismatch");
}

}  // namespace tls_peers

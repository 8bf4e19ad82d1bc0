// SPDX-License-Identifier: MIT
// af::tls::stream over an in-memory duplex: handshakes, echo, ALPN, SNI, certificate checks,
// client certificates, resumption, close_notify, hostile peers and dropped operations.
#include "af/tls/stream.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "af/af.hpp"
#include "af/io.hpp"
#include "af/tls.hpp"
#include "tls/certs.hpp"

namespace tls_stream {

using af::io::duplex_stream;
using namespace af_tls_test;

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s)); }

// What one side saw: the bytes it received, what it learned about the session, or its error.
struct side {
    std::error_code code;
    std::string what;
    std::string got;
    std::string version;
    std::string alpn;
    std::string sni;
    bool reused = false;
    bool peer_cert = false;
    bool clean_eof = false;
};

template <class S>
void record(side& s, const af::tls::stream<S>& t) {
    s.version = std::string(t.protocol_version());
    s.alpn = std::string(t.alpn_protocol());
    s.sni = std::string(t.server_name());
    s.reused = t.session_reused();
    s.peer_cert = !t.peer_certificate().empty();
}

// Sends `msg`, reads it back, sends close_notify and waits for the server's.
af::task<side> echo_client(af::tls::connector c, std::string name, duplex_stream io, std::string msg) {
    side s;
    try {
        auto t = co_await c.connect(name, std::move(io));
        record(s, t);
        co_await af::io::write_all(t, bytes_of(msg));
        co_await af::io::flush(t);
        std::string got(msg.size(), '\0');
        co_await af::io::read_exact(t, std::as_writable_bytes(std::span(got)));
        s.got = got;
        co_await af::io::shutdown(t);
        std::array<std::byte, 16> b{};
        std::size_t n = co_await af::io::read(t, b);
        s.clean_eof = n == 0;
    } catch (const std::system_error& e) {
        s.code = e.code();
        s.what = e.what();
    }
    co_return s;
}

// Echoes until the client's close_notify, then sends its own.
af::task<side> echo_server(af::tls::acceptor a, duplex_stream io) {
    side s;
    try {
        auto t = co_await a.accept(std::move(io));
        record(s, t);
        std::array<std::byte, 4096> buf{};
        for (;;) {
            std::size_t n = co_await af::io::read(t, buf);
            if (n == 0) break;
            s.got.append(reinterpret_cast<const char*>(buf.data()), n);
            co_await af::io::write_all(t, std::span<const std::byte>(buf.data(), n));
            co_await af::io::flush(t);
        }
        s.clean_eof = true;
        co_await af::io::shutdown(t);
    } catch (const std::system_error& e) {
        s.code = e.code();
        s.what = e.what();
    }
    co_return s;
}

struct pki {
    issuer ca = make_ca();
    issuer leaf = make_cert("server.test", "DNS:server.test,IP:127.0.0.1", &ca);
    issuer client = make_cert("client.test", "DNS:client.test", &ca);

    af::tls::client_config client_cfg() const {
        af::tls::client_config c;
        c.system_roots = false;
        c.root_certs_pem = {ca.pem_text.cert};
        return c;
    }
    af::tls::server_config server_cfg() const {
        af::tls::server_config s;
        s.cert = identity_of(leaf);
        return s;
    }
};

const pki& keys() {
    static const pki p;
    return p;
}

std::pair<side, side> run(const af::tls::connector& c, const af::tls::acceptor& a, const std::string& name = "server.test",
                          const std::string& msg = "hello over tls", std::size_t capacity = 4096) {
    auto [cio, sio] = af::io::duplex(capacity);
    auto [cs, ss] = af::block_on(af::join(echo_client(c, name, std::move(cio), msg), echo_server(a, std::move(sio))));
    return {cs, ss};
}

TEST(TlsStreamDuplex, HandshakeEchoAndCloseNotifyOnTls13) {
    auto [c, s] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(keys().server_cfg()));
    ASSERT_FALSE(c.code) << c.what;
    ASSERT_FALSE(s.code) << s.what;
    EXPECT_EQ(c.got, "hello over tls");
    EXPECT_EQ(s.got, "hello over tls");
    EXPECT_EQ(c.version, "TLSv1.3");
    EXPECT_TRUE(s.clean_eof);  // the server saw the client's close_notify as a clean end
    EXPECT_TRUE(c.clean_eof);  // and the client the server's
    EXPECT_TRUE(c.peer_cert);
    EXPECT_FALSE(s.peer_cert);  // no client certificate asked for
}

TEST(TlsStreamDuplex, Tls12WhenTheClientCapsTheVersion) {
    auto cfg = keys().client_cfg();
    cfg.max_version = af::tls::version::tls1_2;
    auto [c, s] = run(af::tls::connector(cfg), af::tls::acceptor(keys().server_cfg()));
    ASSERT_FALSE(c.code) << c.what;
    EXPECT_EQ(c.version, "TLSv1.2");
    EXPECT_EQ(s.version, "TLSv1.2");
    EXPECT_EQ(c.got, "hello over tls");
}

TEST(TlsStreamDuplex, VersionRangesThatDoNotMeetFailTheHandshake) {
    auto cfg = keys().client_cfg();
    cfg.max_version = af::tls::version::tls1_2;
    auto scfg = keys().server_cfg();
    scfg.min_version = af::tls::version::tls1_3;
    auto [c, s] = run(af::tls::connector(cfg), af::tls::acceptor(scfg));
    EXPECT_TRUE(c.code.category() == af::tls::tls_category()) << c.what;
    EXPECT_TRUE(s.code == af::tls::errc::handshake) << s.what;
    EXPECT_NE(s.what.find("unsupported protocol"), std::string::npos) << s.what;
}

TEST(TlsStreamDuplex, AlpnPicksTheServersFirstChoiceThatTheClientOffers) {
    auto cfg = keys().client_cfg();
    cfg.alpn = {"h2", "http/1.1"};
    auto scfg = keys().server_cfg();
    scfg.alpn = {"http/1.1", "h2"};
    auto [c, s] = run(af::tls::connector(cfg), af::tls::acceptor(scfg));
    ASSERT_FALSE(c.code) << c.what;
    EXPECT_EQ(c.alpn, "http/1.1");
    EXPECT_EQ(s.alpn, "http/1.1");
}

TEST(TlsStreamDuplex, AlpnWithNoCommonProtocolIsRefused) {
    auto cfg = keys().client_cfg();
    cfg.alpn = {"h2"};
    auto scfg = keys().server_cfg();
    scfg.alpn = {"http/1.1"};
    auto [c, s] = run(af::tls::connector(cfg), af::tls::acceptor(scfg));
    EXPECT_TRUE(c.code == af::tls::errc::alert_received) << c.what;
    EXPECT_NE(c.what.find("no application protocol"), std::string::npos) << c.what;
    EXPECT_TRUE(s.code == af::tls::errc::handshake) << s.what;
}

TEST(TlsStreamDuplex, NoAlpnOnEitherSideMeansNone) {
    auto [c, s] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(keys().server_cfg()));
    ASSERT_FALSE(c.code) << c.what;
    EXPECT_EQ(c.alpn, "");
}

TEST(TlsStreamDuplex, SniSelectsTheCertificateForTheRequestedName) {
    issuer other = make_cert("other.test", "DNS:other.test", &keys().ca);
    auto scfg = keys().server_cfg();
    scfg.sni_certs = {{"other.test", identity_of(other)}};
    af::tls::acceptor a(scfg);
    af::tls::connector c(keys().client_cfg());
    auto [c1, s1] = run(c, a, "other.test");
    ASSERT_FALSE(c1.code) << c1.what;  // verified against other.test's certificate
    EXPECT_EQ(s1.sni, "other.test");
    EXPECT_EQ(c1.sni, "other.test");
    auto [c2, s2] = run(c, a, "server.test");  // no entry: the default certificate
    ASSERT_FALSE(c2.code) << c2.what;
    EXPECT_EQ(s2.sni, "server.test");
}

TEST(TlsStreamDuplex, HostnameMismatchSaysSo) {
    auto [c, s] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(keys().server_cfg()), "wrong.test");
    EXPECT_TRUE(c.code == af::tls::errc::hostname_mismatch) << c.what;
    EXPECT_NE(c.what.find("hostname mismatch"), std::string::npos) << c.what;
    EXPECT_TRUE(s.code == af::tls::errc::alert_received) << s.what;  // the client's bad_certificate alert
}

TEST(TlsStreamDuplex, IpAddressNamesAreCheckedAgainstIpSans) {
    auto [c, s] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(keys().server_cfg()), "127.0.0.1");
    ASSERT_FALSE(c.code) << c.what;
    auto [c2, s2] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(keys().server_cfg()), "127.0.0.2");
    EXPECT_TRUE(c2.code == af::tls::errc::hostname_mismatch) << c2.what;
}

TEST(TlsStreamDuplex, HostnameCheckCanBeTurnedOff) {
    auto cfg = keys().client_cfg();
    cfg.verify_hostname = false;
    auto [c, s] = run(af::tls::connector(cfg), af::tls::acceptor(keys().server_cfg()), "wrong.test");
    ASSERT_FALSE(c.code) << c.what;
}

TEST(TlsStreamDuplex, UnknownCaIsUntrusted) {
    af::tls::client_config cfg;
    cfg.system_roots = true;  // the system's roots do not know our test CA
    auto [c, s] = run(af::tls::connector(cfg), af::tls::acceptor(keys().server_cfg()));
    EXPECT_TRUE(c.code == af::tls::errc::certificate_untrusted) << c.what;
    EXPECT_NE(c.what.find("unable to get local issuer certificate"), std::string::npos) << c.what;
}

TEST(TlsStreamDuplex, SelfSignedLeafIsUntrusted) {
    issuer self = make_cert("server.test", "DNS:server.test", nullptr);
    af::tls::server_config scfg;
    scfg.cert = identity_of(self);
    auto [c, s] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(scfg));
    EXPECT_TRUE(c.code == af::tls::errc::certificate_untrusted) << c.what;
    EXPECT_NE(c.what.find("self-signed"), std::string::npos) << c.what;
}

TEST(TlsStreamDuplex, ExpiredCertificateSaysExpired) {
    issuer old = make_cert("server.test", "DNS:server.test", &keys().ca, -3 * 86400, -86400);
    af::tls::server_config scfg;
    scfg.cert = identity_of(old);
    auto [c, s] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(scfg));
    EXPECT_TRUE(c.code == af::tls::errc::certificate_expired) << c.what;
    EXPECT_NE(c.what.find("certificate has expired"), std::string::npos) << c.what;
}

TEST(TlsStreamDuplex, NotYetValidCertificateSaysSo) {
    issuer future = make_cert("server.test", "DNS:server.test", &keys().ca, 86400, 2 * 86400);
    af::tls::server_config scfg;
    scfg.cert = identity_of(future);
    auto [c, s] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(scfg));
    EXPECT_TRUE(c.code == af::tls::errc::certificate_not_yet_valid) << c.what;
}

TEST(TlsStreamDuplex, VerificationOffAcceptsAnyCertificate) {
    af::tls::client_config cfg;
    cfg.verify_peer = false;
    auto [c, s] = run(af::tls::connector(cfg), af::tls::acceptor(keys().server_cfg()), "anything");
    ASSERT_FALSE(c.code) << c.what;
    EXPECT_EQ(c.got, "hello over tls");
}

TEST(TlsStreamDuplex, RequiredClientCertificateIsCheckedAndSeen) {
    auto cfg = keys().client_cfg();
    cfg.client_identity = identity_of(keys().client);
    auto scfg = keys().server_cfg();
    scfg.client_auth = af::tls::client_auth_mode::required;
    scfg.client_roots_pem = {keys().ca.pem_text.cert};
    auto [c, s] = run(af::tls::connector(cfg), af::tls::acceptor(scfg));
    ASSERT_FALSE(c.code) << c.what;
    ASSERT_FALSE(s.code) << s.what;
    EXPECT_TRUE(s.peer_cert);
}

TEST(TlsStreamDuplex, MissingRequiredClientCertificateFailsBothSides) {
    auto scfg = keys().server_cfg();
    scfg.client_auth = af::tls::client_auth_mode::required;
    scfg.client_roots_pem = {keys().ca.pem_text.cert};
    auto [c, s] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(scfg));
    EXPECT_TRUE(s.code == af::tls::errc::certificate_required) << s.what;
    // TLS 1.3: the client's handshake ends before the server looks; its first read gets the alert.
    EXPECT_TRUE(c.code == af::tls::errc::certificate_required) << c.what;
}

TEST(TlsStreamDuplex, ClientCertificateFromAnUnknownCaIsRejected) {
    issuer other_ca = make_ca("other ca");
    issuer stranger = make_cert("client.test", "DNS:client.test", &other_ca);
    auto cfg = keys().client_cfg();
    cfg.client_identity = identity_of(stranger);
    auto scfg = keys().server_cfg();
    scfg.client_auth = af::tls::client_auth_mode::optional;
    scfg.client_roots_pem = {keys().ca.pem_text.cert};
    auto [c, s] = run(af::tls::connector(cfg), af::tls::acceptor(scfg));
    EXPECT_TRUE(s.code == af::tls::errc::certificate_untrusted) << s.what;
    EXPECT_TRUE(c.code == af::tls::errc::alert_received) << c.what;
}

void expect_resumption(af::tls::version v) {
    auto cfg = keys().client_cfg();
    cfg.max_version = v;
    af::tls::connector c(cfg);
    af::tls::acceptor a(keys().server_cfg());
    auto [c1, s1] = run(c, a);
    ASSERT_FALSE(c1.code) << c1.what;
    EXPECT_FALSE(c1.reused);
    auto [c2, s2] = run(c, a);
    ASSERT_FALSE(c2.code) << c2.what;
    EXPECT_TRUE(c2.reused);
    EXPECT_TRUE(s2.reused);
    EXPECT_EQ(c2.got, "hello over tls");
    // Another name has no session.
    auto [c3, s3] = run(c, a, "127.0.0.1");
    ASSERT_FALSE(c3.code) << c3.what;
    EXPECT_FALSE(c3.reused);
}

TEST(TlsStreamDuplex, SessionsResumeOnTls13) { expect_resumption(af::tls::version::tls1_3); }
TEST(TlsStreamDuplex, SessionsResumeOnTls12) { expect_resumption(af::tls::version::tls1_2); }

TEST(TlsStreamDuplex, ResumptionCanBeTurnedOff) {
    auto cfg = keys().client_cfg();
    cfg.resume_sessions = false;
    af::tls::connector c(cfg);
    af::tls::acceptor a(keys().server_cfg());
    (void)run(c, a);
    auto [c2, s2] = run(c, a);
    ASSERT_FALSE(c2.code) << c2.what;
    EXPECT_FALSE(c2.reused);
}

// One megabyte each way through a 1000-byte pipe: the client sends all and shuts down, the
// server reads to the end, sends it back and shuts down (an echo would deadlock on any stream).
TEST(TlsStreamDuplex, LargeTransfersThroughASmallPipe) {
    std::string big(1 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
    af::tls::connector cn(keys().client_cfg());
    af::tls::acceptor ac(keys().server_cfg());
    auto [cio, sio] = af::io::duplex(1000);
    auto client = [&]() -> af::task<std::string> {
        auto t = co_await cn.connect("server.test", std::move(cio));
        co_await af::io::write_all(t, bytes_of(big));
        co_await af::io::shutdown(t);
        std::vector<std::byte> back;
        co_await af::io::read_to_end(t, back);
        co_return std::string(reinterpret_cast<const char*>(back.data()), back.size());
    };
    auto server = [&]() -> af::task<std::string> {
        auto t = co_await ac.accept(std::move(sio));
        std::vector<std::byte> all;
        co_await af::io::read_to_end(t, all);
        co_await af::io::write_all(t, std::span<const std::byte>(all));
        co_await af::io::shutdown(t);
        co_return std::string(reinterpret_cast<const char*>(all.data()), all.size());
    };
    auto [c, s] = af::block_on(af::join(client(), server()));
    EXPECT_TRUE(s == big);
    EXPECT_TRUE(c == big);
}

TEST(TlsStreamDuplex, VectoredWritesArriveInOrder) {
    af::tls::connector cn(keys().client_cfg());
    af::tls::acceptor ac(keys().server_cfg());
    auto [cio, sio] = af::io::duplex(1 << 16);
    std::string small1 = "head:", big(20000, 'x'), small2 = ":tail";
    std::vector<std::string> many(300, "ab");
    auto client = [&]() -> af::task<void> {
        auto t = co_await cn.connect("server.test", std::move(cio));
        EXPECT_TRUE(af::io::is_write_vectored(t));
        std::vector<af::io::io_slice> slices{af::io::io_slice(bytes_of(small1)), af::io::io_slice(bytes_of(big))};
        for (auto& m : many) slices.emplace_back(bytes_of(m));
        slices.emplace_back(bytes_of(small2));
        co_await af::io::write_all_vectored(t, std::span<af::io::io_slice>(slices));
        co_await af::io::shutdown(t);
    };
    auto server = [&]() -> af::task<std::string> {
        auto t = co_await ac.accept(std::move(sio));
        std::vector<std::byte> all;
        co_await af::io::read_to_end(t, all);
        co_return std::string(reinterpret_cast<const char*>(all.data()), all.size());
    };
    auto [v, got] = af::block_on(af::join(client(), server()));
    std::string want = small1 + big;
    for (auto& m : many) want += m;
    want += small2;
    EXPECT_TRUE(got == want);
}

TEST(TlsStreamDuplex, GarbageFromTheClientFailsTheServerHandshake) {
    af::tls::acceptor a(keys().server_cfg());
    auto [cio, sio] = af::io::duplex(4096);
    auto garbage = [&]() -> af::task<void> {
        co_await af::io::write_all(cio, bytes_of(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
        std::array<std::byte, 64> b{};
        try {
            while (co_await af::io::read(cio, b) > 0) {
            }
        } catch (const std::system_error&) {
        }
        cio = af::io::duplex_stream(nullptr, nullptr);
    };
    auto server = [&]() -> af::task<side> { co_return co_await echo_server(a, std::move(sio)); };
    auto [v, s] = af::block_on(af::join(garbage(), server()));
    EXPECT_TRUE(s.code == af::tls::errc::handshake) << s.what;
    EXPECT_NE(s.what.find("http request"), std::string::npos) << s.what;  // OpenSSL recognises plain HTTP
}

TEST(TlsStreamDuplex, ACorruptedRecordAfterTheHandshakeIsAProtocolError) {
    af::tls::connector cn(keys().client_cfg());
    af::tls::acceptor ac(keys().server_cfg());
    auto [cio, sio] = af::io::duplex(1 << 16);
    auto client = [&]() -> af::task<void> {
        auto t = co_await cn.connect("server.test", std::move(cio));
        std::array<std::byte, 1> b{};
        (void)co_await af::io::read(t, b);  // the server's session tickets; then the write below
        // A record header for 32 bytes of application data, and 32 bytes that are not.
        std::string bad = std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, 'z');
        co_await af::io::write_all(t.get_ref(), bytes_of(bad));
    };
    auto server = [&]() -> af::task<side> {
        side s;
        try {
            auto t = co_await ac.accept(std::move(sio));
            co_await af::io::write_all(t, bytes_of(std::string("x")));
            co_await af::io::flush(t);
            std::array<std::byte, 64> b{};
            (void)co_await af::io::read(t, b);
        } catch (const std::system_error& e) {
            s.code = e.code();
            s.what = e.what();
        }
        co_return s;
    };
    auto [v, s] = af::block_on(af::join(client(), server()));
    EXPECT_TRUE(s.code == af::tls::errc::protocol) << s.what;
    EXPECT_NE(s.what.find("tls read"), std::string::npos) << s.what;
}

TEST(TlsStreamDuplex, EndWithoutCloseNotifyIsTruncation) {
    af::tls::connector cn(keys().client_cfg());
    af::tls::acceptor ac(keys().server_cfg());
    auto [cio, sio] = af::io::duplex(4096);
    auto client = [&]() -> af::task<void> {
        auto t = co_await cn.connect("server.test", std::move(cio));
        co_await af::io::write_all(t, bytes_of(std::string("partial")));
        co_await af::io::flush(t);
        co_await af::io::shutdown(t.get_ref());  // the transport ends, no close_notify
    };
    auto server = [&]() -> af::task<side> {
        side s;
        try {
            auto t = co_await ac.accept(std::move(sio));
            std::array<std::byte, 64> b{};
            while (std::size_t n = co_await af::io::read(t, b)) s.got.append(reinterpret_cast<const char*>(b.data()), n);
        } catch (const std::system_error& e) {
            s.code = e.code();
            s.what = e.what();
        }
        co_return s;
    };
    auto [v, s] = af::block_on(af::join(client(), server()));
    EXPECT_EQ(s.got, "partial");
    EXPECT_TRUE(s.code == af::tls::errc::truncated) << s.what;
}

TEST(TlsStreamDuplex, PeerGoneMidHandshakeIsAHandshakeError) {
    af::tls::connector cn(keys().client_cfg());
    auto [cio, sio] = af::io::duplex(4096);
    sio = af::io::duplex_stream(nullptr, nullptr);
    side c = af::block_on(echo_client(cn, "server.test", std::move(cio), "x"));
    EXPECT_TRUE(c.code == af::tls::errc::handshake || c.code == std::errc::broken_pipe) << c.what;
}

TEST(TlsStreamDuplex, WriteAfterShutdownThrowsClosed) {
    af::tls::connector cn(keys().client_cfg());
    af::tls::acceptor ac(keys().server_cfg());
    auto [cio, sio] = af::io::duplex(4096);
    auto client = [&]() -> af::task<side> {
        side s;
        auto t = co_await cn.connect("server.test", std::move(cio));
        co_await af::io::shutdown(t);
        try {
            co_await af::io::write_all(t, bytes_of(std::string("late")));
        } catch (const af::tls::error& e) {
            s.code = e.code();
        }
        std::array<std::byte, 4> b{};
        s.clean_eof = co_await af::io::read(t, b) == 0;  // the server's close_notify
        co_return s;
    };
    auto [c, s] = af::block_on(af::join(client(), echo_server(ac, std::move(sio))));
    EXPECT_TRUE(c.code == af::tls::errc::closed);
    EXPECT_TRUE(c.clean_eof);
    EXPECT_FALSE(s.code) << s.what;
}

TEST(TlsStreamDuplex, AFailedStreamKeepsFailing) {
    af::tls::connector cn(keys().client_cfg());
    af::tls::acceptor ac(keys().server_cfg());
    auto [cio, sio] = af::io::duplex(4096);
    auto t = cn.wrap("wrong.test", std::move(cio));
    auto s = ac.wrap(std::move(sio));
    af::waker w = af::waker::noop();
    af::context cx(w);
    std::error_code first;
    for (int i = 0; i < 20 && !first; ++i) {
        try {
            (void)t.poll_handshake(cx);
        } catch (const af::tls::error& e) {
            first = e.code();
        }
        try {
            (void)s.poll_handshake(cx);
        } catch (const af::tls::error&) {
        }
    }
    ASSERT_TRUE(first == af::tls::errc::hostname_mismatch);
    std::array<std::byte, 4> b{};
    EXPECT_THROW((void)t.poll_read(cx, b), af::tls::error);
    EXPECT_THROW((void)t.poll_write(cx, b), af::tls::error);
}

// Both sides stepped by hand with no-op wakers: every poll either progresses or is pending,
// and a handshake or read that is dropped (never polled again) loses nothing.
TEST(TlsStreamDuplex, DroppedHandshakeAndReadFuturesLoseNothing) {
    af::tls::connector cn(keys().client_cfg());
    af::tls::acceptor ac(keys().server_cfg());
    auto [cio, sio] = af::io::duplex(64);  // tiny: many steps
    auto c = cn.wrap("server.test", std::move(cio));
    auto s = ac.wrap(std::move(sio));
    af::waker w = af::waker::noop();
    af::context cx(w);
    int steps = 0;
    {
        auto dropped = c.handshake();  // polled once, then dropped
        EXPECT_TRUE(dropped.poll(cx).is_pending());
    }
    bool cd = false, sd = false;
    while (!(cd && sd) && steps < 10000) {
        ++steps;
        if (!cd) cd = c.poll_handshake(cx).is_ready();
        if (!sd) sd = s.poll_handshake(cx).is_ready();
    }
    ASSERT_TRUE(cd && sd);
    EXPECT_GT(steps, 5);  // the 64-byte pipe forced many round trips
    std::array<std::byte, 32> buf{};
    {
        auto r = af::io::read(s, buf);  // nothing sent yet: pending, then dropped
        EXPECT_TRUE(r.poll(cx).is_pending());
    }
    std::string msg = "after the drop";
    std::size_t sent = 0;
    std::string got;
    while (got.size() < msg.size() && steps < 20000) {
        ++steps;
        if (sent < msg.size()) {
            auto p = c.poll_write(cx, bytes_of(msg).subspan(sent));
            if (p.is_ready()) sent += *p;
        }
        (void)c.poll_flush(cx);
        auto r = s.poll_read(cx, buf);
        if (r.is_ready()) got.append(reinterpret_cast<const char*>(buf.data()), *r);
    }
    EXPECT_EQ(got, msg);
}

TEST(TlsConfig, BadPemIsABadConfigError) {
    af::tls::server_config scfg;
    scfg.cert = af::tls::identity{"not a certificate", "not a key"};
    try {
        af::tls::acceptor a(scfg);
        FAIL() << "accepted garbage";
    } catch (const af::tls::error& e) {
        EXPECT_TRUE(e.code() == af::tls::errc::bad_config);
        EXPECT_NE(std::string(e.what()).find("no certificate"), std::string::npos) << e.what();
    }
}

TEST(TlsConfig, AKeyThatDoesNotMatchTheCertificateIsRefused) {
    af::tls::server_config scfg;
    scfg.cert = af::tls::identity{keys().leaf.pem_text.cert, keys().client.pem_text.key};
    try {
        af::tls::acceptor a(scfg);
        FAIL() << "accepted a mismatched key";
    } catch (const af::tls::error& e) {
        EXPECT_TRUE(e.code() == af::tls::errc::bad_config);
        EXPECT_NE(std::string(e.what()).find("does not match"), std::string::npos) << e.what();
    }
}

TEST(TlsConfig, MisuseIsAnInvalidArgument) {
    af::tls::server_config empty;
    EXPECT_THROW(af::tls::acceptor a(empty), af::tls::error);
    af::tls::client_config bad_alpn;
    bad_alpn.alpn = {""};
    EXPECT_THROW(af::tls::connector c(bad_alpn), std::invalid_argument);
    af::tls::connector c(keys().client_cfg());
    auto [cio, sio] = af::io::duplex(16);
    EXPECT_THROW((void)c.wrap("", std::move(cio)), std::invalid_argument);
    EXPECT_THROW(af::tls::identity::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem"), af::tls::error);
}

TEST(TlsConfig, PemFilesLoad) {
    temp_dir dir;
    auto cert = dir.write("cert.pem", keys().leaf.pem_text.cert);
    auto key = dir.write("key.pem", keys().leaf.pem_text.key);
    af::tls::server_config scfg;
    scfg.cert = af::tls::identity::from_pem_files(cert, key);
    auto [c, s] = run(af::tls::connector(keys().client_cfg()), af::tls::acceptor(scfg));
    ASSERT_FALSE(c.code) << c.what;
}

}  // namespace tls_stream

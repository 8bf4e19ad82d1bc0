// SPDX-License-Identifier: MIT
// af::http::server against real peers: curl and Python's http.client (run as child processes
// on a loopback port picked by the kernel), and graceful shutdown seen from a TCP client.
#include "af/http/server.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <string>
#include <unistd.h>
#include <vector>

#include "af/http.hpp"
#include "af/io/read.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/process/command.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/stream/async_generator.hpp"
#include "af/stream/next.hpp"
#include "af/sync/notify.hpp"

namespace http_server_test {

namespace http = af::http;

af::rt::runtime make_runtime() { return af::rt::builder().multi_thread().worker_threads(2).enable_all().build(); }

af::async_generator<af::bytes> big_body(std::size_t total) {
    af::bytes chunk = af::bytes::copy_from(std::string(64 * 1024, 'a'));
    for (std::size_t sent = 0; sent < total; sent += chunk.size()) co_yield chunk;
}

af::task<http::response> app(http::request req) {
    if (req.path() == "/upload") {
        std::uint64_t n = 0, sum = 0;
        for (;;) {
            auto nx = af::next(req.body());
            std::optional<af::bytes> c = co_await nx;
            if (!c) break;
            for (std::byte b : *c) sum += static_cast<unsigned char>(b);
            n += c->size();
        }
        co_return http::response(http::status::ok, "n=" + std::to_string(n) + " sum=" + std::to_string(sum) + "\n");
    }
    if (req.path() == "/big") co_return http::response(http::status::ok, http::body::from_stream(big_body(8 << 20)));
    http::response r(http::status::ok, "hello " + std::string(req.path()) + "\n");
    r.headers().append(http::header::content_type, "text/plain");
    co_return r;
}

std::string text(const std::vector<std::byte>& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// Runs a program to its end; returns its stdout, failing the test when it exits non-zero.
af::task<std::string> run(af::process::command cmd) {
    af::process::output o = co_await cmd.output();
    EXPECT_TRUE(o.status.success()) << text(o.stderr_bytes);
    co_return text(o.stdout_bytes);
}

bool have(const char* program) {
    std::string cmd = std::string("command -v ") + program + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

// Serves `app` on a loopback port while `client(url)` runs; then shuts the server down.
template <class F>
void with_server(F client) {
    auto rt = make_runtime();
    rt.block_on([&]() -> af::task<void> {
        auto srv = http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), app);
        auto running = af::rt::spawn(srv.run());
        std::string base = "http://" + srv.local_addr().to_string();
        co_await client(base, srv.local_addr().port());
        srv.shutdown(std::chrono::seconds(5));
        co_await std::move(running);
        EXPECT_EQ(srv.connections(), 0u);
    });
}

af::process::command curl() {
    af::process::command c("curl");
    c.arg("-sS").arg("--http1.1").arg("--noproxy").arg("*").arg("--max-time").arg("20");
    return c;
}

TEST(http_server, curl_reuses_one_keep_alive_connection) {
    if (!have("curl")) GTEST_SKIP() << "curl is not installed";
    with_server([](std::string base, int) -> af::task<void> {
        auto cmd = curl();
        cmd.arg("-v").arg(base + "/a").arg(base + "/b");
        af::process::output o = co_await cmd.output();
        EXPECT_TRUE(o.status.success());
        EXPECT_EQ(text(o.stdout_bytes), "hello /a\nhello /b\n");
        std::string err = text(o.stderr_bytes);
        EXPECT_NE(err.find("Re-using existing connection"), std::string::npos) << err;
        EXPECT_NE(err.find("< content-type: text/plain"), std::string::npos) << err;
        EXPECT_NE(err.find("< date: "), std::string::npos) << err;
    });
}

TEST(http_server, curl_uploads_with_100_continue_and_chunked) {
    if (!have("curl")) GTEST_SKIP() << "curl is not installed";
    std::string path = "/tmp/af_http_upload_" + std::to_string(::getpid());
    std::uint64_t sum = 0;
    {
        std::ofstream f(path, std::ios::binary);
        for (int i = 0; i < 3 << 20; ++i) {
            char c = static_cast<char>(i * 7);
            sum += static_cast<unsigned char>(c);
            f.put(c);
        }
    }
    std::string expect = "n=" + std::to_string(3 << 20) + " sum=" + std::to_string(sum) + "\n";
    with_server([&](std::string base, int) -> af::task<void> {
        auto a = curl();
        a.arg("-v").arg("-H").arg("Expect: 100-continue").arg("--data-binary").arg("@" + path).arg(base + "/upload");
        af::process::output o = co_await a.output();
        EXPECT_EQ(text(o.stdout_bytes), expect);
        EXPECT_NE(text(o.stderr_bytes).find("HTTP/1.1 100 Continue"), std::string::npos);
        auto b = curl();
        b.arg("-H").arg("Transfer-Encoding: chunked").arg("--data-binary").arg("@" + path).arg(base + "/upload");
        EXPECT_EQ(co_await run(b), expect);
    });
    std::remove(path.c_str());
}

TEST(http_server, curl_downloads_a_streamed_body) {
    if (!have("curl")) GTEST_SKIP() << "curl is not installed";
    with_server([](std::string base, int) -> af::task<void> {
        auto c = curl();
        c.arg("-o").arg("/dev/null").arg("-w").arg("%{size_download} %{http_code}").arg(base + "/big");
        EXPECT_EQ(co_await run(c), std::to_string(8 << 20) + " 200");
    });
}

// http.client: keep-alive on one socket, a chunked upload, HEAD; then raw sockets for the limits.
constexpr const char* python_client = R"PY(
import http.client, socket, sys
port = int(sys.argv[1])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
c.request("GET", "/a"); r = c.getresponse(); print(r.status, r.read().decode().strip())
sock = c.sock
c.request("GET", "/b"); r = c.getresponse(); print(r.status, r.read().decode().strip(), c.sock is sock)
c.request("POST", "/upload", body=iter([b"ab", b"cd"]), encode_chunked=True); r = c.getresponse(); print(r.status, r.read().decode().strip())
c.request("HEAD", "/a"); r = c.getresponse(); print(r.status, r.getheader("content-length"), len(r.read()))
def raw(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(data)
    got = b""
    while True:
        b = s.recv(65536)
        if not b: break
        got += b
    s.close()
    return got.split(b"\r\n")[0].decode()
print(raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n"))
print(raw(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
print(raw(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n" + b"a" * 100000))
)PY";

TEST(http_server, python_http_client_and_raw_sockets) {
    if (!have("python3")) GTEST_SKIP() << "python3 is not installed";
    with_server([](std::string, int port) -> af::task<void> {
        af::process::command py("python3");
        py.arg("-c").arg(python_client).arg(std::to_string(port));
        EXPECT_EQ(co_await run(py),
                  "200 hello /a\n"
                  "200 hello /b True\n"
                  "200 n=4 sum=394\n"
                  "200 9 0\n"
                  "HTTP/1.1 431 Request Header Fields Too Large\n"
                  "HTTP/1.1 400 Bad Request\n"
                  "HTTP/1.1 413 Content Too Large\n");
    });
}

af::task<std::string> read_some(af::net::tcp_stream& s) {
    char buf[4096];
    auto r = s.read(std::as_writable_bytes(std::span(buf)));
    std::size_t n = co_await std::move(r);
    co_return std::string(buf, n);
}

TEST(http_server, graceful_shutdown_closes_idle_connections_and_finishes_busy_ones) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        auto gate = std::make_shared<af::sync::notify>();
        auto entered = std::make_shared<af::sync::notify>();
        auto svc = [gate, entered](http::request req) -> af::task<http::response> {
            if (req.path() == "/slow") {
                entered->notify_one();
                co_await gate->notified();
            }
            co_return http::response(http::status::ok, "done\n");
        };
        auto srv = http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), svc);
        auto running = af::rt::spawn(srv.run());
        // An idle keep-alive connection: one request answered, then nothing.
        auto idle = co_await af::net::tcp_stream::connect(srv.local_addr());
        co_await idle.write_all("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n");
        std::string first = co_await read_some(idle);
        EXPECT_TRUE(first.starts_with("HTTP/1.1 200 OK\r\n")) << first;
        EXPECT_EQ(first.find("connection: close"), std::string::npos);
        // A busy one: its request is inside the service.
        auto busy = co_await af::net::tcp_stream::connect(srv.local_addr());
        co_await busy.write_all("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
        co_await entered->notified();
        srv.shutdown(std::chrono::seconds(20));
        EXPECT_EQ(co_await read_some(idle), "");  // closed at once
        gate->notify_one();
        std::string resp;
        for (;;) {
            std::string more = co_await read_some(busy);
            if (more.empty()) break;
            resp += more;
        }
        EXPECT_TRUE(resp.starts_with("HTTP/1.1 200 OK\r\n")) << resp;
        EXPECT_NE(resp.find("connection: close\r\n"), std::string::npos) << resp;
        EXPECT_TRUE(resp.ends_with("done\n")) << resp;
        co_await std::move(running);
        EXPECT_EQ(srv.connections(), 0u);
    });
}

TEST(http_server, shutdown_force_closes_connections_after_the_grace_period) {
    auto rt = make_runtime();
    rt.block_on([]() -> af::task<void> {
        auto entered = std::make_shared<af::sync::notify>();
        auto svc = [entered](http::request) -> af::task<http::response> {
            entered->notify_one();
            af::sync::notify never;
            co_await never.notified();  // stuck: only the force-close ends it
            co_return http::response();
        };
        auto srv = http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), svc);
        auto running = af::rt::spawn(srv.run());
        auto c = co_await af::net::tcp_stream::connect(srv.local_addr());
        co_await c.write_all("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        co_await entered->notified();
        srv.shutdown(std::chrono::milliseconds(50));
        co_await std::move(running);
        EXPECT_EQ(co_await read_some(c), "");  // dropped without a response
        EXPECT_EQ(srv.connections(), 0u);
    });
}

// The recipe of server.hpp: one server per thread_per_core worker, each bound inside its own
// task with reuse_port, all on one port; the kernel spreads connections over both.
TEST(http_server, reuse_port_lets_one_listener_per_worker_share_a_port) {
    auto rt = af::rt::builder().thread_per_core().worker_threads(2).enable_all().build();
    struct shared {
        std::mutex m;
        std::vector<http::server> servers;
        std::set<std::thread::id> serving_threads;
        af::sync::notify published;
    };
    auto sh = std::make_shared<shared>();
    auto svc = [sh](http::request) -> af::task<http::response> {
        {
            std::lock_guard lock(sh->m);
            sh->serving_threads.insert(std::this_thread::get_id());
        }
        co_return http::response(http::status::ok, "ok\n");
    };
    // Runs on whichever worker the spawn lands on; spawns from outside the workers take turns.
    auto worker = [sh, svc](std::string addr) -> af::task<void> {
        http::server_options o;
        o.reuse_port = true;
        auto srv = http::server::bind(af::net::socket_addr::parse(addr), svc, o);
        {
            std::lock_guard lock(sh->m);
            sh->servers.push_back(srv);
        }
        sh->published.notify_waiters();
        co_await srv.run();
    };
    auto wait_for = [sh](std::size_t n) -> af::task<http::server> {
        for (;;) {
            auto woken = sh->published.notified();  // before the check: a publish in between wakes it
            {
                std::lock_guard lock(sh->m);
                if (sh->servers.size() >= n) co_return sh->servers[n - 1];
            }
            co_await std::move(woken);
        }
    };
    auto first = rt.spawn(worker("127.0.0.1:0"));
    http::server a = rt.block_on(wait_for(1));
    auto second = rt.spawn(worker(a.local_addr().to_string()));
    http::server b = rt.block_on(wait_for(2));
    EXPECT_EQ(b.local_addr().port(), a.local_addr().port());
    rt.block_on([&]() -> af::task<void> {
        // Each connection lands on one listener, by a hash of its addresses: 64 make missing
        // one of two listeners a 2^-63 event.
        for (int i = 0; i < 64; ++i) {
            auto c = co_await af::net::tcp_stream::connect(a.local_addr());
            co_await c.write_all("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            std::string got;
            for (;;) {
                std::string more = co_await read_some(c);
                if (more.empty()) break;
                got += more;
            }
            EXPECT_TRUE(got.ends_with("\r\n\r\nok\n")) << got;
        }
    });
    {
        std::lock_guard lock(sh->m);
        EXPECT_EQ(sh->serving_threads.size(), 2u);  // both listeners served, each on its worker
        sh->servers.clear();  // they hold the service, which holds sh: break the cycle
    }
    a.shutdown(std::chrono::seconds(5));
    b.shutdown(std::chrono::seconds(5));
    rt.block_on(std::move(first));
    rt.block_on(std::move(second));
}

// A service that answers with the addresses its request carries.
af::task<http::response> whereabouts(http::request req) {
    auto show = [](const std::optional<af::net::socket_addr>& a) { return a ? a->to_string() : std::string("none"); };
    co_return http::response(http::status::ok, show(req.remote_addr()) + " " + show(req.local_addr()));
}

// The server fills remote_addr() and local_addr() from the accepted socket: on a listener on
// one address and on a wildcard one (where each connection asks the kernel).
TEST(http_server_addrs, requests_carry_the_connections_peer_and_local_addresses) {
    auto rt = make_runtime();
    for (const char* bind_to : {"127.0.0.1:0", "0.0.0.0:0"}) {
        rt.block_on([&]() -> af::task<void> {
            auto srv = http::server::bind(af::net::socket_addr::parse(bind_to), whereabouts);
            auto running = af::rt::spawn(srv.run());
            auto to = af::net::socket_addr::v4_loopback(srv.local_addr().port());
            auto c = co_await af::net::tcp_stream::connect(to);
            co_await c.write_all("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            std::string got;
            for (;;) {
                std::string part = co_await read_some(c);
                if (part.empty()) break;
                got += part;
            }
            const std::string want = c.local_addr().to_string() + " " + to.to_string();
            EXPECT_EQ(got.substr(got.find("\r\n\r\n") + 4), want) << bind_to;
            srv.shutdown(std::chrono::seconds(5));
            co_await std::move(running);
        }());
    }
}

}  // namespace http_server_test

// SPDX-License-Identifier: MIT
// af::http::client against real servers on loopback: Python's http.server (a script started
// by the test, tests/http/client_peer_server.py) and nginx (started with a generated
// configuration in a temporary directory; skipped when nginx is not installed).
#include "af/http/client.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "af/rt/runtime.hpp"
#include "af/stream/iter.hpp"
#include "af/stream/next.hpp"

extern char** environ;

namespace http_client_peers_test {

namespace http = af::http;
namespace fs = std::filesystem;

af::rt::runtime make_runtime() { return af::rt::builder().current_thread().enable_all().build(); }

// Bytes, chunks and sum of a body read to its end.
struct tally {
    std::uint64_t bytes = 0, sum = 0, chunks = 0;
    std::string text;  // the first 64 KiB
};

af::task<tally> drain(http::body& b) {
    tally t;
    for (;;) {
        auto n = af::next(b);
        std::optional<af::bytes> c = co_await n;
        if (!c) break;
        ++t.chunks;
        t.bytes += c->size();
        for (std::byte x : *c) t.sum += static_cast<unsigned char>(x);
        if (t.text.size() < 65536) t.text += c->as_string_view().substr(0, 65536 - t.text.size());
    }
    co_return t;
}

std::uint64_t big_sum() {
    std::uint64_t s = 0;
    for (std::uint64_t i = 0; i < (1u << 20); ++i) s += i % 251;
    return s;
}

// --- Python's http.server ---

class python_peer {
public:
    python_peer() {
        fs::path script = fs::path(__FILE__).parent_path() / "client_peer_server.py";
        std::string cmd = "python3 " + script.string();
        f_ = ::popen(cmd.c_str(), "r");
        if (f_ == nullptr) return;
        long pid = 0;
        unsigned port = 0;
        if (std::fscanf(f_, "%ld %u", &pid, &port) == 2) {
            pid_ = static_cast<pid_t>(pid);
            port_ = port;
        }
    }
    ~python_peer() {
        if (pid_ > 0) ::kill(pid_, SIGTERM);
        if (f_ != nullptr) ::pclose(f_);
    }
    bool up() const { return port_ != 0; }
    std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port_) + std::string(path); }

private:
    FILE* f_ = nullptr;
    pid_t pid_ = 0;
    unsigned port_ = 0;
};

// Starts the Python server for each test, or skips the test when it cannot.
class http_client_with_python : public ::testing::Test {
protected:
    void SetUp() override {
        if (!py.up()) GTEST_SKIP() << "python3 could not start tests/http/client_peer_server.py";
    }
    python_peer py;
    af::rt::runtime rt = make_runtime();
};

TEST_F(http_client_with_python, fixed_chunked_slow_closing_and_big_responses_are_read_whole) {
    rt.block_on([](const python_peer& py) -> af::task<void> {
        http::client c;
        for (int i = 0; i < 2; ++i) {
            auto g = c.get(py.url("/fixed"));
            http::response r = co_await std::move(g);
            EXPECT_EQ(r.status(), http::status::ok);
            EXPECT_EQ(r.body().length(), std::optional<std::uint64_t>(11));
            tally t = co_await drain(r.body());
            EXPECT_EQ(t.text, "fixed body\n");
        }
        EXPECT_EQ(c.stats().connects, 1u);  // keep-alive
        EXPECT_EQ(c.stats().reuses, 1u);

        auto g2 = c.get(py.url("/chunked"));
        http::response r2 = co_await std::move(g2);
        tally t2 = co_await drain(r2.body());
        EXPECT_EQ(t2.text, "abbccc");
        EXPECT_EQ(r2.body().trailers().get("x-count"), std::optional<std::string_view>("3"));

        auto g3 = c.get(py.url("/slow"));
        http::response r3 = co_await std::move(g3);
        tally t3 = co_await drain(r3.body());
        EXPECT_EQ(t3.text, "slow\nslow\nslow\nslow\nslow\n");

        auto g4 = c.get(py.url("/close"));
        http::response r4 = co_await std::move(g4);
        tally t4 = co_await drain(r4.body());
        EXPECT_EQ(t4.text, "bye\n");
        EXPECT_EQ(c.stats().idle, 0u);  // the server said close

        auto g5 = c.get(py.url("/big"));
        http::response r5 = co_await std::move(g5);
        tally t5 = co_await drain(r5.body());
        EXPECT_EQ(t5.bytes, 1u << 20);
        EXPECT_EQ(t5.sum, big_sum());
        EXPECT_EQ(c.stats().connects, 2u);
    }(py));
}

TEST_F(http_client_with_python, uploads_with_a_length_chunked_and_with_expect_continue_arrive_whole) {
    rt.block_on([](const python_peer& py) -> af::task<void> {
        http::client c;
        http::request a(http::method::post, py.url("/sum"), "abc");
        auto s1 = c.send(std::move(a));
        http::response r1 = co_await std::move(s1);
        EXPECT_EQ((co_await drain(r1.body())).text, "3 294");

        // 256 KiB streamed in 64 chunks of unknown total: chunked
        std::vector<af::bytes> parts;
        std::uint64_t sum = 0;
        for (int i = 0; i < 64; ++i) {
            std::string s(4096, static_cast<char>('a' + i % 26));
            sum += 4096u * static_cast<unsigned>('a' + i % 26);
            parts.push_back(af::bytes::copy_from(s));
        }
        http::request b(http::method::post, py.url("/sum"), http::body::from_stream(af::streams::iter(std::move(parts))));
        auto s2 = c.send(std::move(b));
        http::response r2 = co_await std::move(s2);
        EXPECT_EQ((co_await drain(r2.body())).text, "262144 " + std::to_string(sum));

        http::request e(http::method::post, py.url("/sum"), "hello");
        e.headers().append(http::header::expect, "100-continue");
        auto s3 = c.send(std::move(e));
        http::response r3 = co_await std::move(s3);
        EXPECT_EQ((co_await drain(r3.body())).text, "5 532");
        EXPECT_EQ(c.stats().connects, 1u);
    }(py));
}

// --- nginx ---

std::optional<std::string> find_nginx() {
    for (const char* p : {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"}) {
        if (::access(p, X_OK) == 0) return std::string(p);
    }
    return std::nullopt;
}

unsigned free_port() {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    unsigned port = 0;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
        port = ntohs(a.sin_port);
    }
    ::close(s);
    return port;
}

bool can_connect(unsigned port) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
}

class nginx_peer {
public:
    explicit nginx_peer(const std::string& bin) {
        dir_ = fs::temp_directory_path() / ("af-http-client-nginx-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "www");
        fs::create_directories(dir_ / "body");
        {
            std::ofstream big(dir_ / "www" / "big.bin", std::ios::binary);
            for (std::uint32_t i = 0; i < (1u << 20); ++i) big.put(static_cast<char>(i % 251));
            std::ofstream(dir_ / "www" / "hello.txt") << "hello from nginx\n";
        }
        port_ = free_port();
        const std::string d = dir_.string();
        std::ofstream(dir_ / "nginx.conf")
            << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << d << "/nginx.pid;\nerror_log " << d
            << "/error.log;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n  default_type application/octet-stream;\n"
            << "  client_body_temp_path " << d << "/body;\n  server {\n    listen 127.0.0.1:" << port_ << ";\n    root " << d
            << "/www;\n    location /up/ { dav_methods PUT; create_full_put_path on; client_max_body_size 8m; }\n  }\n}\n";
        std::vector<std::string> args{bin, "-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, bin.c_str(), nullptr, nullptr, argv.data(), environ) != 0) pid_ = 0;
        // Wait until it listens (a hang guard of 10 s; it takes milliseconds).
        for (int i = 0; pid_ > 0 && i < 500 && !up_; ++i) {
            up_ = can_connect(port_);
            if (!up_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    ~nginx_peer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int st = 0;
            ::waitpid(pid_, &st, 0);
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    bool up() const { return up_; }
    std::string error_log() const {
        std::ifstream f(dir_ / "error.log");
        return std::string(std::istreambuf_iterator<char>(f), {});
    }
    std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port_) + std::string(path); }

private:
    fs::path dir_;
    pid_t pid_ = 0;
    unsigned port_ = 0;
    bool up_ = false;
};

// Starts nginx for each test, or skips the test where it is not installed or does not start.
class http_client_with_nginx : public ::testing::Test {
protected:
    void SetUp() override {
        auto bin = find_nginx();
        if (!bin) GTEST_SKIP() << "nginx is not installed (Debian: apt-get install nginx-light)";
        ng.emplace(*bin);
        if (!ng->up()) GTEST_SKIP() << "nginx did not start: " << ng->error_log();
    }
    std::optional<nginx_peer> ng;
    af::rt::runtime rt = make_runtime();
};

TEST_F(http_client_with_nginx, static_files_head_404_and_304_share_one_kept_alive_connection) {
    rt.block_on([](const nginx_peer& ng) -> af::task<void> {
        http::client c;
        auto g1 = c.get(ng.url("/hello.txt"));
        http::response r1 = co_await std::move(g1);
        EXPECT_EQ(r1.status(), http::status::ok);
        EXPECT_TRUE(r1.headers().get(http::header::server).value_or("").starts_with("nginx"));
        EXPECT_EQ((co_await drain(r1.body())).text, "hello from nginx\n");

        auto g2 = c.get(ng.url("/big.bin"));
        http::response r2 = co_await std::move(g2);
        EXPECT_EQ(r2.body().length(), std::optional<std::uint64_t>(1u << 20));
        tally t2 = co_await drain(r2.body());
        EXPECT_EQ(t2.bytes, 1u << 20);
        EXPECT_EQ(t2.sum, big_sum());
        EXPECT_GT(t2.chunks, 1u);  // read as it arrived, one read buffer at a time

        http::request h(http::method::head, ng.url("/big.bin"));
        auto s3 = c.send(std::move(h));
        http::response r3 = co_await std::move(s3);
        EXPECT_EQ(r3.headers().get(http::header::content_length), std::optional<std::string_view>("1048576"));
        EXPECT_EQ((co_await drain(r3.body())).bytes, 0u);

        auto g4 = c.get(ng.url("/missing"));
        http::response r4 = co_await std::move(g4);
        EXPECT_EQ(r4.status(), http::status::not_found);
        (void)co_await drain(r4.body());

        // 304 for a conditional GET with the ETag nginx gave
        http::request cond(http::method::get, ng.url("/hello.txt"));
        cond.headers().append(http::header::if_none_match, std::string(r1.headers().get(http::header::etag).value_or("none")));
        auto s5 = c.send(std::move(cond));
        http::response r5 = co_await std::move(s5);
        EXPECT_EQ(r5.status(), http::status::not_modified);
        EXPECT_EQ((co_await drain(r5.body())).bytes, 0u);

        auto st = c.stats();
        EXPECT_EQ(st.connects, 1u);
        EXPECT_EQ(st.reuses, 4u);
        EXPECT_EQ(st.idle, 1u);
    }(*ng));
}

TEST_F(http_client_with_nginx, a_chunked_upload_is_stored_and_reads_back_the_same) {
    rt.block_on([](const nginx_peer& ng) -> af::task<void> {
        http::client c;
        std::vector<af::bytes> parts;
        for (int i = 0; i < 100; ++i) parts.push_back(af::bytes::copy_from(std::string(1000, static_cast<char>('A' + i % 26))));
        http::request put(http::method::put, ng.url("/up/file.txt"), http::body::from_stream(af::streams::iter(std::move(parts))));
        auto s1 = c.send(std::move(put));
        http::response r1 = co_await std::move(s1);
        EXPECT_EQ(r1.status(), http::status::created);
        (void)co_await drain(r1.body());

        auto g = c.get(ng.url("/up/file.txt"));
        http::response r2 = co_await std::move(g);
        tally t = co_await drain(r2.body());
        EXPECT_EQ(t.bytes, 100000u);
        EXPECT_EQ(t.text.substr(0, 3), "AAA");
        EXPECT_EQ(t.text.substr(1000, 3), "BBB");
        EXPECT_EQ(c.stats().connects, 1u);
    }(*ng));
}

}  // namespace http_client_peers_test

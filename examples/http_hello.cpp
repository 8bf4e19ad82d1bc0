// SPDX-License-Identifier: MIT
/// \file
/// A hello-world HTTP/1.1 server that holds up against hostile clients: tight limits, short
/// timeouts, and a graceful shutdown on Ctrl-C.
///
///     http_hello [address]          (default 127.0.0.1:8080; port 0 picks a free one)
///     curl -v http://127.0.0.1:8080/world
///
/// Prints the bound address first. `GET /<name>` answers "hello <name>"; `POST /echo` streams
/// the request body back as it arrives (chunked), so an upload is never held in memory whole.
/// Against hostile clients: a head larger than 8 KiB or with more than 64 fields gets 431, a
/// body over 1 MiB gets 413, a client that takes more than 5 s to send its head (slowloris)
/// gets 408, an idle keep-alive connection is closed after 15 s, and malformed or ambiguous
/// requests (smuggling attempts) get 400. Ctrl-C stops accepting, lets requests in flight
/// finish for up to 5 s, then exits.
#include <cstdio>
#include <exception>
#include <string>

#include "af/http.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/signal/signal.hpp"

namespace {

af::task<af::http::response> hello(af::http::request req) {
    if (req.method() == af::http::method::post && req.path() == "/echo") {
        af::http::response r(af::http::status::ok, req.take_body());  // streamed back as it is read
        r.headers().append(af::http::header::content_type, "application/octet-stream");
        co_return r;
    }
    if (req.method() != af::http::method::get && req.method() != af::http::method::head) {
        af::http::response r(af::http::status::method_not_allowed, "use GET, or POST /echo\n");
        r.headers().append(af::http::header::allow, "GET, HEAD, POST");
        co_return r;
    }
    std::string_view name = req.path().substr(1);
    af::http::response r(af::http::status::ok, "hello " + std::string(name.empty() ? "world" : name) + "\n");
    r.headers().append(af::http::header::content_type, "text/plain; charset=utf-8");
    co_return r;
}

af::task<void> serve(af::net::socket_addr addr) {
    af::http::server_options limits;
    limits.max_head_bytes = 8 * 1024;
    limits.max_headers = 64;
    limits.max_body_bytes = 1 << 20;
    limits.header_read_timeout = std::chrono::seconds(5);
    limits.keep_alive_timeout = std::chrono::seconds(15);
    auto srv = af::http::server::bind(addr, hello, limits);
    std::printf("http_hello listening on http://%s\n", srv.local_addr().to_string().c_str());
    std::fflush(stdout);
    auto running = af::rt::spawn(srv.run());
    co_await af::signal::ctrl_c();
    std::printf("shutting down (%zu connections open)\n", srv.connections());
    std::fflush(stdout);
    srv.shutdown(std::chrono::seconds(5));
    co_await std::move(running);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        auto addr = af::net::socket_addr::parse(argc > 1 ? argv[1] : "127.0.0.1:8080");
        af::rt::runtime rt = af::rt::builder().multi_thread().enable_all().build();
        rt.block_on(serve(addr));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_hello: %s\n", e.what());
        return 1;
    }
}

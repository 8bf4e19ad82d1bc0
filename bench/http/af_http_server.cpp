// SPDX-License-Identifier: MIT
/// \file
/// af's side of the HTTP server comparison (bench/http/run.py, docs/benchmarks.md "HTTP server"):
/// `af::http::server` used as an application would, with nothing tuned for the benchmark.
///
///     af_http_server <threads> [address]     (threads 1: current_thread, else multi_thread)
///
/// Prints `listening <address>` once bound and serves until SIGINT. Routes, the same in the
/// Beast and hyper servers: `GET /` "Hello, World!" (text/plain), `GET /1m` 1 MiB of 'x'
/// (application/octet-stream), `POST /upload` reads the body as it arrives and answers its
/// length in decimal; anything else 404.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <string>

#include "af/http.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/signal/signal.hpp"
#include "af/stream/next.hpp"

namespace {

// One static megabyte: the response body is a view of it, no copy per request (as in the peers).
const std::string& megabyte() {
    static const std::string m(1 << 20, 'x');
    return m;
}

af::task<af::http::response> handle(af::http::request req) {
    namespace header = af::http::header;
    using af::http::method;
    if (req.method() == method::get && req.path() == "/") {
        af::http::response r(af::http::status::ok, af::http::body::from_static("Hello, World!"));
        r.headers().append(header::content_type, "text/plain");
        co_return r;
    }
    if (req.method() == method::get && req.path() == "/1m") {
        af::http::response r(af::http::status::ok, af::http::body::from_static(megabyte()));
        r.headers().append(header::content_type, "application/octet-stream");
        co_return r;
    }
    if (req.method() == method::post && req.path() == "/upload") {
        // Count the chunks as they arrive: the upload is never held whole.
        std::uint64_t n = 0;
        auto body = req.take_body();
        while (auto chunk = co_await af::next(body)) n += chunk->size();
        af::http::response r(af::http::status::ok, std::to_string(n));
        r.headers().append(header::content_type, "text/plain");
        co_return r;
    }
    co_return af::http::response(af::http::status::not_found);
}

af::task<void> serve(af::net::socket_addr addr) {
    af::http::server_options opts;
    opts.max_body_bytes = std::numeric_limits<std::uint64_t>::max();  // uploads of any size
    auto srv = af::http::server::bind(addr, handle, opts);
    std::printf("listening %s\n", srv.local_addr().to_string().c_str());
    std::fflush(stdout);
    auto running = af::rt::spawn(srv.run());
    co_await af::signal::ctrl_c();
    srv.shutdown(std::chrono::milliseconds(200));
    co_await std::move(running);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: af_http_server <threads> [address]\n");
        return 2;
    }
    try {
        int threads = std::atoi(argv[1]);
        auto addr = af::net::socket_addr::parse(argc > 2 ? argv[2] : "127.0.0.1:0");
        af::rt::builder b;
        if (threads <= 1) {
            b.current_thread();
        } else {
            b.multi_thread().worker_threads(static_cast<std::size_t>(threads));
        }
        af::rt::runtime rt = b.enable_all().build();
        rt.block_on(serve(addr));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "af_http_server: %s\n", e.what());
        return 1;
    }
}

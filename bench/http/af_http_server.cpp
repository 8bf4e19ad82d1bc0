// SPDX-License-Identifier: MIT
/// \file
/// af's side of the HTTP server comparison (bench/http/run.py, docs/benchmarks.md "HTTP server"):
/// `af::http::server` used as an application would, with nothing tuned for the benchmark.
///
///     af_http_server <threads> [address] [--per-core]
///
/// threads 1: current_thread, else multi_thread (work stealing) with one server; with
/// `--per-core` (threads >= 2): the thread_per_core runtime and one server per worker, each
/// with its own SO_REUSEPORT listener on the same port (the layout server.hpp describes), so
/// a connection stays on the worker whose listener the kernel gave it to.
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
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

af::http::server_options options() {
    af::http::server_options opts;
    opts.max_body_bytes = std::numeric_limits<std::uint64_t>::max();  // uploads of any size
    return opts;
}

af::task<void> serve(af::net::socket_addr addr) {
    auto srv = af::http::server::bind(addr, handle, options());
    std::printf("listening %s\n", srv.local_addr().to_string().c_str());
    std::fflush(stdout);
    auto running = af::rt::spawn(srv.run());
    co_await af::signal::ctrl_c();
    srv.shutdown(std::chrono::milliseconds(200));
    co_await std::move(running);
}

// One worker's server: bound in this task, so its listener and its connections live on the
// worker the spawn landed on; `bound` hands the server to main (for its port and shutdown).
af::task<void> serve_on_worker(af::net::socket_addr addr, std::shared_ptr<std::promise<af::http::server>> bound) {
    af::http::server_options opts = options();
    opts.reuse_port = true;
    std::optional<af::http::server> srv;
    try {
        srv.emplace(af::http::server::bind(addr, handle, opts));
    } catch (...) {
        bound->set_exception(std::current_exception());
        co_return;
    }
    bound->set_value(*srv);
    co_await srv->run();
}

int serve_per_core(std::size_t n, af::net::socket_addr addr) {
    af::rt::runtime rt = af::rt::builder().thread_per_core().worker_threads(n).enable_all().build();
    std::vector<af::http::server> servers;
    std::vector<af::join_handle<void>> running;
    for (std::size_t i = 0; i < n; ++i) {  // spawns from outside the workers take turns among them
        auto bound = std::make_shared<std::promise<af::http::server>>();
        auto f = bound->get_future();
        running.push_back(rt.spawn(serve_on_worker(addr, bound)));
        servers.push_back(f.get());
        addr = servers.front().local_addr();  // the others share the first one's port
    }
    std::printf("listening %s\n", addr.to_string().c_str());
    std::fflush(stdout);
    rt.block_on(af::signal::ctrl_c());
    for (auto& s : servers) s.shutdown(std::chrono::milliseconds(200));
    for (auto& r : running) rt.block_on(std::move(r));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string_view> pos;
    bool per_core = false;
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--per-core") {
            per_core = true;
        } else {
            pos.emplace_back(argv[i]);
        }
    }
    if (pos.empty() || pos.size() > 2) {
        std::fprintf(stderr, "usage: af_http_server <threads> [address] [--per-core]\n");
        return 2;
    }
    try {
        int threads = std::atoi(std::string(pos[0]).c_str());
        auto addr = af::net::socket_addr::parse(pos.size() > 1 ? pos[1] : "127.0.0.1:0");
        if (per_core) return serve_per_core(static_cast<std::size_t>(threads < 2 ? 2 : threads), addr);
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

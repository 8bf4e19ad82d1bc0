// SPDX-License-Identifier: MIT
// A server and a client in one program: a service, limits, two requests on one pooled
// connection, and a graceful shutdown.
#include <af/http.hpp>
#include <af/rt.hpp>

#include <chrono>
#include <cstdio>
#include <string>

// The service: anything callable from a request to a future of a response.
af::task<af::http::response> hello(af::http::request req) {
    std::string name(req.path().substr(1));
    af::http::response r(af::http::status::ok, "hello " + (name.empty() ? std::string("world") : name) + "\n");
    r.headers().append(af::http::header::content_type, "text/plain");
    co_return r;
}

af::task<void> app() {
    af::http::server_options opts;              // every limit has a default; set the ones you mean
    opts.max_head_bytes = 8 * 1024;             // else 431
    opts.header_read_timeout = std::chrono::seconds(5);  // slowloris: else 408
    opts.request_timeout = std::chrono::seconds(30);     // a slow service: else 503
    opts.max_connections = 1000;                // at the cap, accepting waits
    auto srv = af::http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), hello, opts);
    auto running = af::rt::spawn(srv.run());

    af::http::client client;
    std::string base = "http://" + srv.local_addr().to_string();
    const char* paths[] = {"/", "/reader"};
    for (const char* path : paths) {
        af::http::response r = co_await client.get(base + path);
        std::string text = co_await r.body().text(1024);
        std::printf("%d %s", static_cast<int>(r.status()), text.c_str());
    }
    af::http::client_stats st = client.stats();
    std::printf("connections opened: %llu, requests on a reused one: %llu\n",
                static_cast<unsigned long long>(st.connects), static_cast<unsigned long long>(st.reuses));

    srv.shutdown(std::chrono::seconds(5));  // idle connections close at once
    co_await std::move(running);
    std::printf("server stopped, %zu connections left\n", srv.connections());
}

int main() { af::rt::run(app()); }

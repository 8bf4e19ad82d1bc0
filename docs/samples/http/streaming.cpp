// SPDX-License-Identifier: MIT
// Bodies are streams both ways: a response produced as the client reads it (chunked, with a
// trailer), and an upload the service reads as it arrives.
#include <af/http.hpp>
#include <af/rt.hpp>
#include <af/stream.hpp>
#include <af/time.hpp>

#include <chrono>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;

// Each chunk is made only when the connection asks for it, after the previous one was written.
af::async_generator<af::bytes> countdown(int n) {
    for (int i = n; i > 0; --i) {
        co_await af::time::sleep(1ms);
        co_yield af::bytes::copy_from(std::to_string(i) + "\n");
    }
}

af::async_generator<af::bytes> upload(int chunks, std::size_t size) {
    for (int i = 0; i < chunks; ++i) co_yield af::bytes::copy_from(std::string(size, 'x'));
}

af::task<af::http::response> service(af::http::request req) {
    if (req.method() == af::http::method::post) {
        std::size_t total = 0;
        while (auto chunk = co_await af::next(req.body())) total += chunk->size();  // as it arrives
        co_return af::http::response(af::http::status::ok, std::to_string(total) + " bytes received\n");
    }
    af::http::header_map trailers;
    trailers.append("x-count", "3");
    co_return af::http::response(af::http::status::ok,
                                 af::http::body::from_stream(countdown(3)).with_trailers(std::move(trailers)));
}

std::string text_of(std::optional<std::string_view> v) { return v ? std::string(*v) : "(none)"; }

af::task<void> app() {
    auto srv = af::http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), service);
    auto running = af::rt::spawn(srv.run());
    std::string base = "http://" + srv.local_addr().to_string();
    af::http::client client;

    af::http::response r = co_await client.get(base + "/countdown");
    std::printf("transfer-encoding: %s\n", text_of(r.headers().get("transfer-encoding")).c_str());
    while (auto chunk = co_await af::next(r.body()))
        std::printf("chunk: %.*s", static_cast<int>(chunk->size()), reinterpret_cast<const char*>(chunk->data()));
    std::printf("trailer x-count: %s\n", text_of(r.body().trailers().get("x-count")).c_str());

    // 64 chunks of 16 KiB with a known length: sent with Content-Length, never held whole.
    af::http::request up(af::http::method::post, base + "/upload",
                         af::http::body::from_stream(upload(64, 16 * 1024), 64 * 16 * 1024));
    af::http::response done = co_await client.send(std::move(up));
    std::string text = co_await done.body().text(1024);
    std::printf("%s", text.c_str());

    srv.shutdown(std::chrono::seconds(1));
    co_await std::move(running);
}

int main() { af::rt::run(app()); }

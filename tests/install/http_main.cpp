// SPDX-License-Identifier: MIT
// af::http from an installed af: a server and a client in one process, so the package must
// carry libaf_http with llhttp inside it and the http headers.
#include <af/http.hpp>
#include <af/rt.hpp>

#include <cstdio>
#include <string>

namespace {

af::task<af::http::response> hello(af::http::request) {
    co_return af::http::response(af::http::status::ok, "installed\n");
}

af::task<std::string> round_trip() {
    auto srv = af::http::server::bind(af::net::socket_addr::parse("127.0.0.1:0"), hello);
    auto running = af::rt::spawn(srv.run());
    af::http::client c;
    af::http::response r = co_await c.get("http://" + srv.local_addr().to_string() + "/");
    af::bytes body = co_await r.body().collect(1024);
    srv.shutdown(std::chrono::seconds(1));
    co_await std::move(running);
    co_return std::to_string(static_cast<int>(r.status())) + " " +
        std::string(reinterpret_cast<const char*>(body.data()), body.size());
}

}  // namespace

int main() {
    std::string got = af::rt::run(round_trip);
    std::printf("http: %s", got.c_str());
    return got == "200 installed\n" ? 0 : 1;
}

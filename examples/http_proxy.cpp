// SPDX-License-Identifier: MIT
/// \file
/// A reverse proxy on af::http: an HTTP/1.1 server in front of one upstream, which it reaches
/// with af::http::client (pooled keep-alive connections).
///
///     http_proxy UPSTREAM [address] [--timeout MS]
///     http_proxy http://127.0.0.1:8000 127.0.0.1:8080 && curl http://127.0.0.1:8080/file
///
/// Prints "http_proxy on http://ADDRESS -> UPSTREAM" on stdout once it listens (the default
/// address 127.0.0.1:0 picks a free port), then serves until Ctrl-C, which stops accepting
/// and gives exchanges in flight one second to finish (a graceful shutdown).
///
/// - Bodies stream both ways: an upload is read from the client only as fast as the upstream
///   takes it, and a download from the upstream only as fast as the client reads it; neither
///   is held in memory whole (Content-Length is kept when known, else chunked, trailers too).
/// - Hop-by-hop fields are not forwarded, either way (RFC 9110 7.6.1): Connection and every
///   field it names, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-*.
/// - The request gets `X-Forwarded-For` (the client's address appended), `X-Forwarded-Host`
///   (the Host it asked for; the upstream sees its own name in Host) and `Via: 1.1 af-proxy`,
///   as does the response (Via).
/// - The upstream unreachable (refused, no such host, closed before answering, or a malformed
///   answer) is 502; no response head within `--timeout` (default 30 s) is 504.
/// - Limits: a 16 KiB head with at most 100 fields, 100 MiB bodies, 10 s to send a head, 30 s
///   idle keep-alive; upstream connect timeout 5 s, 32 idle upstream connections.
///
/// X-Forwarded-For takes the client's address from the request (`request::remote_addr()`,
/// which af::http::server fills from the accepted socket).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "af/core/error.hpp"
#include "af/http.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/signal/signal.hpp"
#include "af/stream/empty.hpp"
#include "af/time/timeout.hpp"

namespace {

namespace http = af::http;

// Fields that describe one connection, not the message (RFC 9110 7.6.1), plus those the
// Connection field names.
bool hop_by_hop(const http::header_name& n, const http::header_map& h) {
    static const http::header_name fixed[] = {
        http::header::connection, http::header::keep_alive, http::header::te,       http::header::trailer,
        http::header::transfer_encoding, http::header::upgrade, http::header::proxy_authenticate,
        http::header::proxy_authorization,
    };
    for (const auto& f : fixed) {
        if (n == f) return true;
    }
    std::string_view s = n.str();
    if (s.size() >= 6 && s.substr(0, 6) == "proxy-") return true;  // Proxy-Connection and the like (names are lower case)
    return h.has_token(http::header::connection, s);
}

// The end-to-end fields of `from`, appended to `to`.
void copy_end_to_end(const http::header_map& from, http::header_map& to) {
    for (const auto& [name, value] : from) {
        if (name == http::header::content_length) continue;  // framing: the body says it
        if (!hop_by_hop(name, from)) to.append(name, value);
    }
}

void add_via(http::header_map& h) {
    std::string via;
    for (auto v : h.get_all(http::header::via)) {
        if (!via.empty()) via += ", ";
        via += v;
    }
    h.remove(http::header::via);
    if (!via.empty()) via += ", ";
    h.append(http::header::via, via + "1.1 af-proxy");
}

http::response error_page(http::status s, std::string_view why) {
    http::response r(s, std::string(why) + "\n");
    r.headers().append(http::header::content_type, "text/plain; charset=utf-8");
    add_via(r.headers());
    return r;
}

std::optional<std::uint64_t> content_length_of(const http::header_map& h) {
    auto v = h.get(http::header::content_length);
    if (!v || v->empty() || v->size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : *v) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

// The client's request body on its way upstream, remembering whether reading it failed: such
// a failure is the client's (too large, cut short, too slow), which the server answers
// itself (413, 400, 408) when it escapes the service, not an upstream fault (502).
class watched_body final : public http::body_source {
public:
    watched_body(http::body b, std::shared_ptr<bool> failed) : b_(std::move(b)), failed_(std::move(failed)) {}
    af::poll<std::optional<af::bytes>> poll_next(af::context& cx) override {
        try {
            return b_.poll_next(cx);
        } catch (...) {
            *failed_ = true;
            throw;
        }
    }
    std::optional<std::uint64_t> length() const noexcept override { return b_.length(); }
    http::header_map trailers() override { return b_.trailers(); }
    bool has_trailers() const noexcept override { return b_.has_trailers(); }

private:
    http::body b_;
    std::shared_ptr<bool> failed_;
};

struct upstream {
    std::string base;  // "http://host:port", no trailing slash
    http::client client;
};

af::task<http::response> forward(std::shared_ptr<const upstream> up, http::request req) {
    if (req.target().empty() || req.target().front() != '/') co_return error_page(http::status::bad_request, "origin-form targets only");
    // The server always knows its peer; "unknown" is RFC 7239's word for a hidden one.
    const std::string client_ip = req.remote_addr() ? req.remote_addr()->ip() : std::string("unknown");
    const bool head = req.method() == http::method::head;

    auto body_failed = std::make_shared<bool>(false);
    http::body body = req.take_body();
    if (!body.is_full()) body = http::body::from_source(std::make_unique<watched_body>(std::move(body), body_failed));
    http::request out(req.method(), up->base + req.target(), std::move(body));  // the body streams through
    copy_end_to_end(req.headers(), out.headers());
    out.headers().remove(http::header::host);  // the client sends the upstream's own
    if (auto host = req.headers().get(http::header::host)) out.headers().append("x-forwarded-host", *host);
    std::string xff;
    for (auto v : req.headers().get_all(http::header::x_forwarded_for)) {
        if (!xff.empty()) xff += ", ";
        xff += v;
    }
    out.headers().remove(http::header::x_forwarded_for);
    out.headers().append(http::header::x_forwarded_for, xff.empty() ? client_ip : xff + ", " + client_ip);
    add_via(out.headers());

    std::optional<http::response> in;
    std::optional<http::response> failed;
    try {
        auto sending = up->client.send(std::move(out));
        in.emplace(co_await std::move(sending));
    } catch (const std::system_error& e) {
        if (*body_failed) throw;  // the client's fault: the server answers it
        std::fprintf(stderr, "http_proxy: %s\n", e.what());
        const bool timed_out = e.code() == std::errc::timed_out;
        failed.emplace(error_page(timed_out ? http::status::gateway_timeout : http::status::bad_gateway,
                                  timed_out ? "the upstream did not answer in time" : "the upstream is unreachable or answered badly"));
    }
    if (failed) co_return std::move(*failed);

    http::response r(in->status());
    copy_end_to_end(in->headers(), r.headers());
    add_via(r.headers());
    if (head) {
        // The upstream's Content-Length of a HEAD response is the size of the GET's body; a
        // body of that length is never polled for HEAD, so it only carries the number (none
        // when the upstream gave none).
        r.set_body(http::body::from_stream(af::streams::empty<af::bytes>(), content_length_of(in->headers())));
    } else {
        r.set_body(in->take_body());  // polled by the server one chunk at a time
    }
    co_return r;
}

af::task<void> serve(std::string upstream_url, af::net::socket_addr addr, std::chrono::milliseconds timeout) {
    http::client_options co;
    co.connect_timeout = std::chrono::seconds(5);
    co.request_timeout = timeout;
    co.max_idle_per_host = 32;
    co.idle_timeout = std::chrono::seconds(30);
    auto up = std::make_shared<const upstream>(upstream{upstream_url, http::client(co)});

    http::server_options so;
    so.max_head_bytes = 16 * 1024;
    so.max_headers = 100;
    so.max_body_bytes = 100ull << 20;
    so.header_read_timeout = std::chrono::seconds(10);
    so.keep_alive_timeout = std::chrono::seconds(30);

    http::any_service svc = [up](http::request req) { return forward(up, std::move(req)); };
    auto srv = http::server::bind(addr, std::move(svc), so);
    std::printf("http_proxy on http://%s -> %s\n", srv.local_addr().to_string().c_str(), upstream_url.c_str());
    std::fflush(stdout);
    auto running = af::rt::spawn(srv.run());
    co_await af::signal::ctrl_c();
    srv.shutdown(std::chrono::seconds(1));
    co_await std::move(running);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string_view> pos;
    long timeout_ms = 30'000;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--timeout" && i + 1 < argc) {
            timeout_ms = std::strtol(argv[++i], nullptr, 10);
        } else {
            pos.push_back(a);
        }
    }
    if (pos.empty() || pos.size() > 2 || timeout_ms <= 0) {
        std::fprintf(stderr, "usage: http_proxy UPSTREAM [address] [--timeout MS]\n");
        return 2;
    }
    try {
        std::string upstream_url(pos[0]);
        auto u = http::url::parse(upstream_url);  // checked now, not on the first request
        if (u.target() != "/") {
            std::fprintf(stderr, "http_proxy: the upstream is an origin (http://host:port), without a path\n");
            return 2;
        }
        auto addr = af::net::socket_addr::parse(pos.size() > 1 ? std::string(pos[1]) : std::string("127.0.0.1:0"));
        af::rt::runtime rt = af::rt::builder().multi_thread().enable_all().build();
        rt.block_on(serve(u.scheme() + "://" + u.authority(), addr, std::chrono::milliseconds(timeout_ms)));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_proxy: %s\n", e.what());
        return 1;
    }
}

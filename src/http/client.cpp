// SPDX-License-Identifier: MIT
// af::http::client (include/af/http/client.hpp): the pool and one request/response exchange.
//
// Pool. Idle connections live in a map from origin ("http://host:port") to a list, newest at
// the back, under one mutex held only to move pointers (never across a suspension or a
// syscall). A connection is checked out (removed) for the whole exchange and lives in the
// request's task, then in the response body; it comes back only from the body's end, when the
// response ended exactly at the end of what was read and both sides keep the connection. So a
// dropped task or body simply destroys the connection (closing the socket), and the pool never
// holds one in an unknown state. Expired entries are swept whenever the pool is touched (no
// background task: a client needs no runtime of its own). Checkout takes the newest (the
// least likely to have been closed by the server) and polls it for readability first.
//
// Retry. The reuse check cannot see a close that is still on its way; a reused connection that
// fails with connection_closed before any response byte arrived is taken as closed by the
// server in the meantime, and the request is sent once more on a new connection when its
// method is idempotent (RFC 9112 9.3.1: a client must not retry others on its own) and its
// body is one chunk or none (af retries only what it can send again byte for byte).
//
// Messages. Every af::error thrown from here or from client_conn ends with the exchange it
// belongs to, "(GET http://host:port/path)", so a log line says which peer and which target
// (the socket's own errors already name the address: "connect 10.0.0.1:80: ...").
#include "af/http/client.hpp"

#include <exception>  // retry decisions
#include <map>        // origin -> idle connections
#include <mutex>      // the pool
#include <vector>     // idle lists

#include "af/core/error.hpp"
#include "af/http/error.hpp"
#include "af/http/url.hpp"
#include "af/net/lookup_host.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/stream/next.hpp"
#include "af/time/instant.hpp"
#include "af/time/timeout.hpp"
#include "ascii.hpp"
#include "client_conn.hpp"

namespace af::http {

using detail::client_conn;

struct client::state {
    explicit state(client_options o) : opts(o) {}

    struct idle_entry {
        std::unique_ptr<client_conn> c;
        af::time::instant since;
    };

    client_options opts;
    mutable std::mutex m;
    std::map<std::string, std::vector<idle_entry>> idle;  // guarded by m
    std::size_t idle_count = 0;                            // guarded by m
    std::uint64_t connects = 0, reuses = 0, stale = 0, retries = 0;  // guarded by m

    detail::client_limits limits() const noexcept { return {opts.max_head_bytes, opts.max_headers, opts.read_buffer_size}; }

    bool expired(const idle_entry& e, af::time::instant now) const noexcept {
        return opts.idle_timeout.count() > 0 && now.duration_since(e.since) >= opts.idle_timeout;
    }

    // Moves expired entries (of every origin) to `dead`. Called with m held.
    void sweep(af::time::instant now, std::vector<std::unique_ptr<client_conn>>& dead) {
        for (auto it = idle.begin(); it != idle.end();) {
            auto& list = it->second;
            std::erase_if(list, [&](idle_entry& e) {
                if (!expired(e, now)) return false;
                dead.push_back(std::move(e.c));
                return true;
            });
            it = list.empty() ? idle.erase(it) : std::next(it);
        }
        stale += dead.size();
        idle_count -= dead.size();
    }

    // An idle connection to `origin` that passed the reuse check, or null.
    std::unique_ptr<client_conn> checkout(const std::string& origin) {
        for (;;) {
            std::unique_ptr<client_conn> c;
            std::vector<std::unique_ptr<client_conn>> dead;  // closed after unlocking
            {
                std::lock_guard lock(m);
                sweep(af::time::instant::now(), dead);
                auto it = idle.find(origin);
                if (it == idle.end()) return nullptr;
                c = std::move(it->second.back().c);
                it->second.pop_back();
                if (it->second.empty()) idle.erase(it);
                --idle_count;
            }
            if (!c->is_stale()) {
                std::lock_guard lock(m);
                ++reuses;
                return c;
            }
            std::lock_guard lock(m);
            ++stale;
        }
    }

    void checkin(const std::string& origin, std::unique_ptr<client_conn> c) {
        std::vector<std::unique_ptr<client_conn>> dead;
        std::lock_guard lock(m);
        auto now = af::time::instant::now();
        sweep(now, dead);
        if (opts.max_idle_per_host == 0) {
            dead.push_back(std::move(c));
            return;  // `dead` is destroyed after the lock (declared before it)
        }
        auto& list = idle[origin];
        if (list.size() >= opts.max_idle_per_host) {
            dead.push_back(std::move(list.front().c));  // the oldest goes
            list.erase(list.begin());
            --idle_count;
        }
        list.push_back(idle_entry{std::move(c), now});
        ++idle_count;
    }
};

namespace {

// The response body: reads through the connection it owns; gives the connection back to the
// pool at the end when it can be reused, and closes it otherwise (or when dropped early).
class incoming_body final : public body_source {
public:
    incoming_body(std::unique_ptr<client_conn> c, std::weak_ptr<client::state> pool, std::string origin)
        : c_(std::move(c)), pool_(std::move(pool)), origin_(std::move(origin)), exchange_(c_->exchange()), len_(c_->body_length()),
          chunked_(c_->chunked()) {}
    incoming_body(const incoming_body&) = delete;
    incoming_body& operator=(const incoming_body&) = delete;
    // Dropped before its end: when the rest of the response is already read (a small body
    // nobody wanted), the connection is at a clean boundary and goes back; otherwise it is
    // half-read and closes with this object.
    ~incoming_body() override {
        if (c_ && c_->finish_buffered() && c_->reusable()) {
            if (auto pool = pool_.lock()) pool->checkin(origin_, std::move(c_));
        }
    }

    af::poll<std::optional<af::bytes>> poll_next(context& cx) override {
        if (!c_) {
            if (done_) return af::detail::stream_end<af::bytes>();
            throw af::error(http::error::body_gone, "af::http::client: response body read after a failure (" + exchange_ + ")");
        }
        af::poll<std::optional<af::bytes>> p = pending;
        try {
            p = c_->poll_body(cx);
        } catch (...) {
            c_.reset();  // a failed connection is closed at once
            throw;
        }
        if (p.is_ready() && !p->has_value()) {
            done_ = true;
            trailers_ = c_->take_trailers();
            std::unique_ptr<client_conn> c = std::move(c_);
            if (c->reusable()) {
                if (auto pool = pool_.lock()) pool->checkin(origin_, std::move(c));
            }
        }
        return p;
    }
    std::optional<std::uint64_t> length() const noexcept override { return len_; }
    header_map trailers() override { return std::move(trailers_); }
    bool has_trailers() const noexcept override { return chunked_; }

private:
    std::unique_ptr<client_conn> c_;
    std::weak_ptr<client::state> pool_;
    std::string origin_;
    std::string exchange_;  // for messages
    std::optional<std::uint64_t> len_;
    bool chunked_;
    bool done_ = false;
    header_map trailers_;
};

struct head_future {
    using output = void;
    explicit head_future(client_conn& c) noexcept : c_(&c) {}
    af::poll<void> poll(context& cx) { return c_->poll_head(cx); }
    client_conn* c_;
};

// Whether a request with this method and no content still gets "content-length: 0" (RFC
// 9110 8.6: not for methods that do not anticipate content).
bool sends_zero_length(const method& m) noexcept {
    switch (m.which()) {
        case method::get_id: case method::head_id: case method::delete_id: case method::options_id:
        case method::trace_id: case method::connect_id: return false;
        default: return true;
    }
}

// "GET http://host:port/path": what ends the client's messages.
std::string describe(const method& m, const url& u) { return std::string(m.name()) + " " + u.scheme() + "://" + u.authority() + u.target(); }

// Whether a request may be sent again on its own (RFC 9110 9.2.2: idempotent methods).
bool idempotent(const method& m) noexcept {
    switch (m.which()) {
        case method::get_id: case method::head_id: case method::put_id: case method::delete_id: case method::options_id:
        case method::trace_id: return true;
        default: return false;
    }
}

af::task<std::unique_ptr<client_conn>> open(url u, detail::client_limits lim) {
    auto look = af::net::lookup_host(u.host_and_port());
    std::vector<af::net::socket_addr> addrs = co_await std::move(look);
    std::exception_ptr last;
    for (const auto& a : addrs) {
        try {
            auto connecting = af::net::tcp_stream::connect(a);
            af::net::tcp_stream s = co_await std::move(connecting);
            s.set_nodelay(true);  // the head and the body go in few writes: Nagle would only delay
            co_return std::make_unique<client_conn>(std::move(s), lim);
        } catch (const std::system_error&) {
            last = std::current_exception();  // try the next address
        }
    }
    if (last) std::rethrow_exception(last);
    throw std::system_error(std::make_error_code(std::errc::host_unreachable), "af::http::client: no address for " + u.host());
}

// Streams `b` after the head: each chunk is written before the next is asked for.
af::task<void> write_body(client_conn& c, body& b, bool chunked, std::optional<std::uint64_t> len) {
    auto mismatch = [&](const char* how) {
        return af::error(http::error::length_mismatch, "af::http::client: request body " + std::string(how) + " than its length (" + c.exchange() + ")");
    };
    std::uint64_t sent = 0;
    for (;;) {
        auto n = af::next(b);
        std::optional<af::bytes> chunk = co_await n;
        if (!chunk) break;
        sent += chunk->size();
        if (len && sent > *len) throw mismatch("longer");
        if (chunked) {
            c.stage_number(chunk->size(), 16);
            c.stage_text("\r\n");
            c.stage(std::move(*chunk));
            c.stage_text("\r\n");
        } else {
            c.stage(std::move(*chunk));
        }
        co_await c.write_staged();
    }
    if (len && sent != *len) throw mismatch("shorter");
    if (chunked) {
        c.stage_text("0\r\n");
        for (const auto& [name, value] : b.trailers()) {
            c.stage_text(name.str());
            c.stage_text(": ");
            c.stage_text(value);
            c.stage_text("\r\n");
        }
        c.stage_text("\r\n");
    }
    co_await c.write_staged();
}

// Sends the request on `c` and reads up to the final response head.
af::task<void> exchange(client_conn& c, const method& m, const url& u, const header_map& h, body& b, const client_options& o) {
    const std::optional<std::uint64_t> len = b.length();
    const bool trailers = b.has_trailers();
    const bool no_content = len && *len == 0 && !trailers;
    const bool chunked = !no_content && (!len || trailers);
    bool expect = false;
    if (auto e = h.get(header::expect)) expect = detail::iequals(*e, "100-continue") && !no_content;

    c.begin_response(m == method::head, describe(m, u));
    if (h.has_token(header::connection, "close")) c.poison();  // we said so: the server will close
    c.stage_text(m.name());
    c.stage_text(" ");
    c.stage_text(u.target());
    c.stage_text(" HTTP/1.1\r\n");
    if (!h.contains(header::host)) {
        c.stage_text("host: ");
        c.stage_text(u.authority());
        c.stage_text("\r\n");
    }
    for (const auto& [name, value] : h) {
        if (name == header::content_length || name == header::transfer_encoding) continue;  // framing is ours
        if (name == header::expect && !expect) continue;  // nothing to wait for without a body
        c.stage_text(name.str());
        c.stage_text(": ");
        c.stage_text(value);
        c.stage_text("\r\n");
    }
    if (chunked) {
        c.stage_text("transfer-encoding: chunked\r\n");
    } else if (!no_content || sends_zero_length(m)) {
        c.stage_text("content-length: ");
        c.stage_number(len ? *len : 0);
        c.stage_text("\r\n");
    }
    c.stage_text("\r\n");

    if (expect) {
        co_await c.write_staged();
        bool send_body = true;
        if (o.expect_continue_timeout.count() > 0) {
            auto wait = af::time::timeout(o.expect_continue_timeout, head_future(c));
            auto r = co_await std::move(wait);
            if (r.has_value()) {
                if (c.status() == status::continue_) {
                    c.next_message();
                } else if (code(c.status()) >= 200) {
                    // A final answer before the body (417, 401, a redirect...): the body is not
                    // sent, so the server may be waiting for it: never reuse this connection.
                    c.poison();
                    send_body = false;
                } else {
                    c.next_message();  // another interim response: go on as if it were the 100
                }
            }
        }
        if (send_body) co_await write_body(c, b, chunked, len);
        if (!send_body) co_return;
    } else if (!no_content) {
        if (b.is_full()) {
            co_await write_body(c, b, chunked, len);  // the head and the body in one write
        } else {
            co_await c.write_staged();  // the head goes before the body's producer is polled
            co_await write_body(c, b, chunked, len);
        }
    } else {
        co_await c.write_staged();
    }
    for (;;) {
        head_future hf(c);
        co_await hf;
        if (code(c.status()) >= 200 || c.status() == status::switching_protocols) break;
        c.next_message();  // 100 after the body, 103 Early Hints...: skipped
    }
}

// The failure a retry is for: the connection was closed (or reset) by the peer before any
// byte of the response.
bool closed_before_response(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const af::error& x) {
        return x.code() == http::error::connection_closed;
    } catch (...) {
        return false;
    }
}

}  // namespace

client::client(client_options o) : s_(std::make_shared<state>(o)) {}

// The coroutine behind send: it owns a reference to the pool, so the client object itself may
// be gone before the task is first polled.
static af::task<response> send_on(std::shared_ptr<client::state> st, request req) {
    const client_options& o = st->opts;
    const url u = url::parse(req.target());
    if (u.is_https()) {
        throw af::error(http::error::unsupported_scheme, "af::http::client: https is not supported yet (af::http has no TLS): " + req.target());
    }
    const std::string what = describe(req.method(), u);
    const std::string origin = u.scheme() + "://" + u.host_and_port();

    // A body of one chunk (or none) is kept so that it can be sent again (see the retry).
    body b = req.take_body();
    const bool replayable = b.is_full();
    af::bytes replay;
    header_map replay_trailers;
    if (replayable) {
        auto n = af::next(b);
        std::optional<af::bytes> one = co_await n;
        if (one) replay = std::move(*one);
        replay_trailers = b.trailers();
    }

    for (int attempt = 0;; ++attempt) {
        std::unique_ptr<client_conn> c = st->checkout(origin);
        const bool reused = c != nullptr;
        if (!c) {
            auto opening = open(u, st->limits());
            if (o.connect_timeout.count() > 0) {
                auto t = af::time::timeout(o.connect_timeout, std::move(opening));
                auto r = co_await std::move(t);
                if (r.elapsed()) {
                    throw af::error(af::errc::timed_out, "af::http::client: connecting to " + u.host_and_port() + " timed out after " +
                                                             std::to_string(o.connect_timeout.count()) + " ms (" + what + ")");
                }
                c = std::move(*r);
            } else {
                c = co_await std::move(opening);
            }
            std::lock_guard lock(st->m);
            ++st->connects;
        }

        body attempt_body;
        if (replayable) {
            attempt_body = body(replay);
            if (!replay_trailers.empty()) attempt_body.with_trailers(replay_trailers);
        } else {
            attempt_body = std::move(b);
        }
        std::exception_ptr failure;
        bool timed_out = false;
        try {
            auto ex = exchange(*c, req.method(), u, req.headers(), attempt_body, o);
            if (o.request_timeout.count() > 0) {
                auto t = af::time::timeout(o.request_timeout, std::move(ex));
                auto r = co_await std::move(t);
                timed_out = r.elapsed();
            } else {
                co_await std::move(ex);
            }
        } catch (...) {
            failure = std::current_exception();
        }
        if (timed_out) {
            throw af::error(af::errc::timed_out, "af::http::client: no response head within " + std::to_string(o.request_timeout.count()) +
                                                     " ms (" + what + ")");
        }
        if (failure) {
            if (reused && replayable && idempotent(req.method()) && attempt == 0 && !c->got_bytes() && closed_before_response(failure)) {
                std::lock_guard lock(st->m);
                ++st->retries;
                continue;  // `c` is closed as the loop goes round
            }
            std::rethrow_exception(failure);
        }

        response resp(c->status());
        resp.set_version(c->version());
        resp.headers() = c->take_headers();
        if (c->message_complete()) {
            if (c->reusable()) st->checkin(origin, std::move(c));
        } else {
            resp.set_body(body::from_source(std::make_unique<incoming_body>(std::move(c), st, origin)));
        }
        co_return resp;
    }
}

af::task<response> client::send(request req) const { return send_on(s_, std::move(req)); }

af::task<response> client::get(std::string target) const { return send_on(s_, request(method::get, std::move(target))); }

client_stats client::stats() const {
    std::lock_guard lock(s_->m);
    client_stats s;
    s.idle = s_->idle_count;
    s.connects = s_->connects;
    s.reuses = s_->reuses;
    s.stale_dropped = s_->stale;
    s.retries = s_->retries;
    return s;
}

void client::clear_idle() const {
    std::map<std::string, std::vector<state::idle_entry>> dead;
    std::lock_guard lock(s_->m);
    dead.swap(s_->idle);
    s_->idle_count = 0;
}

}  // namespace af::http

// SPDX-License-Identifier: MIT
// af::http::server: an accept loop, a task per connection, and the graceful shutdown of
// include/af/http/server.hpp. Two signals: `stop` (stop accepting, close idle connections,
// `Connection: close` on busy ones) and `force` (after the grace period: drop every connection
// future, which closes its socket). `active` counts connection tasks; the last one to end wakes
// `all_done`. At `max_connections` the accept loop waits on `slot_free` (woken by a connection
// that ends while the count is at the cap) instead of accepting: the kernel's backlog holds the
// new connections meanwhile. Out of descriptors, accept() itself backs off (tcp_listener).
#include "af/http/server.hpp"

#include <atomic>     // connection count
#include <optional>   // the listener, closed at shutdown
#include <stdexcept>  // misuse
#include <system_error>  // a connection's address lookup failing

#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/spawn.hpp"
#include "af/sync/notify.hpp"
#include "af/time/instant.hpp"
#include "af/time/timeout.hpp"
#include "shutdown.hpp"

namespace af::http {

struct server::state {
    state(af::net::tcp_listener l, any_service s, server_options o) : listener(std::move(l)), svc(std::move(s)), opts(o) {}
    std::optional<af::net::tcp_listener> listener;
    af::net::socket_addr addr;
    any_service svc;
    server_options opts;
    detail::shutdown_signal stop;
    detail::shutdown_signal force;
    std::atomic<std::int64_t> grace_ms{0};
    std::atomic<std::size_t> active{0};
    af::sync::notify all_done;
    af::sync::notify slot_free;
};

server server::bind(const af::net::socket_addr& addr, any_service svc, server_options opts) {
    if (opts.max_connections == 0) throw std::invalid_argument("af::http::server::bind: max_connections must be at least 1");
    auto l = af::net::tcp_listener::bind(addr, af::net::tcp_listener_options{.reuse_port = opts.reuse_port});
    auto s = std::make_shared<state>(std::move(l), std::move(svc), opts);
    s->addr = s->listener->local_addr();
    return server(std::move(s));
}

af::net::socket_addr server::local_addr() const { return s_->addr; }

std::size_t server::connections() const noexcept { return s_->active.load(std::memory_order_relaxed); }

void server::shutdown(std::chrono::milliseconds grace) {
    s_->grace_ms.store(grace.count(), std::memory_order_relaxed);  // published by stop()'s release
    s_->stop.stop();
}

namespace {

af::task<void> serve_one(std::shared_ptr<server::state> st, af::net::tcp_stream conn, connection_addrs addrs) {
    struct done_guard {
        server::state* st;
        ~done_guard() {
            // acq_rel: the last decrement must see every other connection's end.
            const std::size_t before = st->active.fetch_sub(1, std::memory_order_acq_rel);
            if (before == 1) st->all_done.notify_waiters();
            if (before >= st->opts.max_connections) st->slot_free.notify_waiters();
        }
    } guard{st.get()};
    try {
        detail::io_ref io(conn);
        auto serving = st->force.until_stopping(detail::serve_erased(io, st->svc, st->opts, &st->stop, addrs));
        (void)co_await std::move(serving);
    } catch (const std::exception&) {
        // The connection's own failure (a reset, a broken pipe): it ends that connection only.
    }
}

}  // namespace

af::task<void> server::run() {
    std::shared_ptr<state> st = s_;
    if (!st->listener) throw std::logic_error("af::http::server::run: the server already ran; bind a new one");
    // A listener on one address: every connection's local address is it, without a
    // getsockname per connection; on 0.0.0.0 or [::] each connection asks.
    const bool wildcard = st->addr.ip() == "0.0.0.0" || st->addr.ip() == "::";
    for (;;) {
        // At the cap: wait for a connection to end. The notified future is made before the
        // check, so an end in between wakes it.
        bool stopped = false;
        for (;;) {
            auto slot = st->slot_free.notified();
            if (st->active.load(std::memory_order_acquire) < st->opts.max_connections) break;
            auto waiting = st->stop.until_stopping(std::move(slot));
            if (!co_await std::move(waiting)) {
                stopped = true;
                break;
            }
        }
        if (stopped) break;
        auto accepting = st->stop.until_stopping(st->listener->accept());
        auto r = co_await std::move(accepting);
        if (!r) break;
        af::net::tcp_stream conn = std::move(r->first);
        conn.set_nodelay(true);
        connection_addrs addrs{.remote = r->second, .local = st->addr};
        if (wildcard) {
            try {
                addrs.local = conn.local_addr();  // which of the host's addresses it came to
            } catch (const std::system_error&) {
                addrs.local.reset();  // the peer is gone already: its service sees no address
            }
        }
        st->active.fetch_add(1, std::memory_order_relaxed);  // before the task can end
        af::rt::spawn(serve_one(st, std::move(conn), std::move(addrs)));
    }
    st->listener.reset();  // stop accepting: new connections are refused by the kernel
    const auto deadline = af::time::instant::now() + std::chrono::milliseconds(st->grace_ms.load(std::memory_order_relaxed));
    bool forced = false;
    for (;;) {
        auto n = st->all_done.notified();  // made before the check: a wake-up in between is kept
        if (st->active.load(std::memory_order_acquire) == 0) break;
        if (forced) {
            co_await std::move(n);
            continue;
        }
        auto waiting = af::time::timeout_at(deadline, std::move(n));
        auto r = co_await std::move(waiting);
        if (r.elapsed()) {
            forced = true;
            st->force.stop();
        }
    }
}

}  // namespace af::http

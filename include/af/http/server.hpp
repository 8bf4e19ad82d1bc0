// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::server`: accepts TCP connections and serves each in its own task with
/// `serve_connection`, until a graceful shutdown.
///
///     auto srv = af::http::server::bind(af::net::socket_addr::parse("127.0.0.1:8080"), hello);
///     auto running = af::rt::spawn(srv.run());
///     // ... later, from any thread:
///     srv.shutdown(std::chrono::seconds(10));
///     co_await std::move(running);   // every connection is closed when this returns
///
/// Each accepted connection gets TCP_NODELAY (responses are written whole, so Nagle's delay
/// would only add latency) and a task spawned on the current runtime (multi_thread: the
/// service runs on any worker and must be thread-safe; see service.hpp).
///
/// Connection cap (`server_options::max_connections`): at the cap the server stops accepting;
/// new connections wait in the kernel's listen backlog and are accepted as served ones end, so
/// `connections()` never exceeds the cap. Out of descriptors (EMFILE, ENFILE) accepting backs
/// off and retries (see tcp_listener) instead of failing or spinning.
///
/// One listener per worker (`server_options::reuse_port`, SO_REUSEPORT): on the
/// thread_per_core runtime, spawn one server per worker from outside the workers (spawns from
/// outside take turns among them) and bind it inside its task, so its listener and its
/// connections stay on that worker; the kernel spreads new connections among the listeners.
///
///     auto rt = af::rt::builder().thread_per_core().worker_threads(n).enable_all().build();
///     opts.reuse_port = true;
///     std::vector<af::join_handle<void>> workers;
///     for (std::size_t i = 0; i < n; ++i)
///         workers.push_back(rt.spawn([=]() -> af::task<void> {
///             auto srv = af::http::server::bind(addr, app, opts);   // on this worker
///             co_await srv.run();
///         }));
///
/// Graceful shutdown (`shutdown(grace)`): the listener stops accepting at once and is closed;
/// idle keep-alive connections are closed at once; a connection busy with a request finishes
/// it and its response carries `Connection: close`; connections still open after `grace` are
/// dropped (their tasks cancelled, sockets closed). `run()` returns when none is left.
///
/// Errors: `bind` throws as `tcp_listener::bind` (std::invalid_argument for a cap of 0); `run` throws when accepting fails for a
/// reason other than running out of descriptors (see tcp_listener); a connection's own I/O
/// errors end that connection only. Cancellation: dropping `run()` stops accepting; the
/// connections already spawned keep running until they end or shutdown() is called.
/// Thread safety: `shutdown`, `local_addr` and `connections` from any thread; one `run`.
#include <chrono>   // grace period
#include <cstddef>  // std::size_t
#include <memory>   // shared state with the connection tasks

#include "af/core/task.hpp"
#include "af/http/server_connection.hpp"
#include "af/http/service.hpp"
#include "af/net/socket_addr.hpp"

namespace af::http {

class server {
public:
    /// Binds a listener on `addr` (port 0: any free port, see local_addr()).
    static server bind(const af::net::socket_addr& addr, any_service svc, server_options opts = {});

    af::net::socket_addr local_addr() const;
    /// Accepts and serves until shutdown() and every connection has ended.
    af::task<void> run();
    /// Starts a graceful shutdown (see the file comment). Idempotent.
    void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(30));
    /// Connections being served now.
    std::size_t connections() const noexcept;

    struct state;  // src/http/server.cpp

private:
    explicit server(std::shared_ptr<state> s) noexcept : s_(std::move(s)) {}
    std::shared_ptr<state> s_;
};

}  // namespace af::http

// SPDX-License-Identifier: MIT
/// \file
/// A TCP echo server: every connection gets back exactly what it sends, until it closes.
///
///     echo_server [address] [epoll|io_uring|auto]     (default 127.0.0.1:7007, auto)
///
/// Prints the bound address first (port 0 picks a free one). Each connection is its own task;
/// af::io::copy moves the bytes. Try it with `nc 127.0.0.1 7007`. A connection that fails (a
/// reset, or no memory for it) ends alone, with one line on stderr; the accept loop goes on.
/// SIGINT or SIGTERM stops the server (exit status 0); SIGHUP prints how many connections are
/// open.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>

#include "af/future/select.hpp"
#include "af/io/copy.hpp"
#include "af/io/shutdown.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/signal/signal.hpp"
#include "af/stream/next.hpp"
#include "af/time/sleep.hpp"

namespace {

std::atomic<std::size_t> open_connections{0};

af::task<void> echo(af::net::tcp_stream conn) {
    open_connections.fetch_add(1, std::memory_order_relaxed);  // a statistic: no ordering
    try {
        co_await af::io::copy(conn, conn);  // until the client shuts down its side
        co_await af::io::shutdown(conn);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "connection ended: %s\n", e.what());
    }
    open_connections.fetch_sub(1, std::memory_order_relaxed);
}

af::task<void> accept_loop(af::net::tcp_listener& listener) {
    for (;;) {
        bool failed = false;
        try {
            auto accepted = co_await listener.accept();
            af::rt::spawn(echo(std::move(accepted.first)));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "accept: %s\n", e.what());  // e.g. out of memory: pause, go on
            failed = true;
        }
        if (failed) co_await af::time::sleep(std::chrono::milliseconds(100));
    }
}

// Prints the number of open connections on each SIGHUP, for ever.
af::task<void> report() {
    af::signal::signal_stream hangups = af::signal::signal(SIGHUP);
    while (co_await af::next(hangups)) {
        std::printf("%zu connections open\n", open_connections.load(std::memory_order_relaxed));
        std::fflush(stdout);
    }
}

af::task<void> serve(af::net::socket_addr addr, const char* backend) {
    auto listener = af::net::tcp_listener::bind(addr);
    std::printf("echo server listening on %s (backend: %s)\n", listener.local_addr().to_string().c_str(), backend);
    std::fflush(stdout);
    af::signal::signal_stream terms = af::signal::signal(SIGTERM);
    auto accepting = accept_loop(listener);
    auto reporting = report();
    auto interrupted = af::signal::ctrl_c();
    auto terminated = af::next(terms);
    co_await af::select(std::move(accepting), std::move(reporting), std::move(interrupted), std::move(terminated));
    std::printf("shutting down (%zu connections open)\n", open_connections.load(std::memory_order_relaxed));
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        auto addr = af::net::socket_addr::parse(argc > 1 ? argv[1] : "127.0.0.1:7007");
        const char* name = argc > 2 ? argv[2] : "auto";
        auto backend = af::rt::io_backend::automatic;
        if (std::strcmp(name, "epoll") == 0) {
            backend = af::rt::io_backend::epoll;
        } else if (std::strcmp(name, "io_uring") == 0) {
            backend = af::rt::io_backend::io_uring;
        } else if (std::strcmp(name, "auto") != 0) {
            std::fprintf(stderr, "echo_server: unknown backend '%s' (expected epoll, io_uring or auto)\n", name);
            return 2;
        }
        af::rt::runtime rt = af::rt::builder().multi_thread().enable_all().io_backend(backend).build();
        rt.block_on(serve(addr, name));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_server: %s\n", e.what());
        return 1;
    }
}

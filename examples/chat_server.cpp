// SPDX-License-Identifier: MIT
/// \file
/// A line-based chat room over TCP: each line a client sends is broadcast to every other client
/// (see chat_room.hpp for the protocol and the limits that hold hostile clients off). Try it with
/// a few `nc 127.0.0.1 7000` terminals: the first line you type is your name.
///
///     chat_server [address] [epoll|io_uring|auto] [--max-clients N] [--max-line BYTES]
///                 [--queue LINES] [--idle SECONDS] [--quiet]
///
/// Defaults: 127.0.0.1:7000, auto, and chat::options. Prints the bound address first (port 0
/// picks a free one). SIGINT or SIGTERM stops it (exit status 0); SIGHUP prints the number of
/// connections and members. Failing clients are logged on stderr, one line each (--quiet: none).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "af/net/socket_addr.hpp"
#include "af/rt/runtime.hpp"
#include "af/signal/signal.hpp"
#include "chat_room.hpp"

namespace {

// Prints the room's size on each SIGHUP, for ever.
af::task<void> report(std::shared_ptr<chat::room> r) {
    af::signal::signal_stream hangups = af::signal::signal(SIGHUP);
    while (co_await af::next(hangups)) {
        std::printf("%zu connections, %zu members\n", r->connections.load(), r->members());
        std::fflush(stdout);
    }
}

af::task<void> serve(af::net::socket_addr addr, chat::options opts) {
    auto listener = af::net::tcp_listener::bind(addr);
    std::printf("listening on %s\n", listener.local_addr().to_string().c_str());
    std::fflush(stdout);
    auto r = std::make_shared<chat::room>(opts);
    af::signal::signal_stream terms = af::signal::signal(SIGTERM);
    auto running = chat::run(std::move(listener), r);
    auto reporting = report(r);
    auto interrupted = af::signal::ctrl_c();
    auto terminated = af::next(terms);
    co_await af::select(std::move(running), std::move(reporting), std::move(interrupted), std::move(terminated));
    std::printf("shutting down (%zu connections open)\n", r->connections.load());
    std::fflush(stdout);
}

// A number argument, or exit 2 naming the flag.
long number(int argc, char** argv, int& i) {
    char* end = nullptr;
    long v = i + 1 < argc ? std::strtol(argv[i + 1], &end, 10) : -1;
    if (i + 1 >= argc || *end != '\0' || v <= 0) {
        std::fprintf(stderr, "chat_server: %s needs a positive number\n", argv[i]);
        std::exit(2);
    }
    ++i;
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const char* address = "127.0.0.1:7000";
        const char* name = "auto";
        chat::options opts;
        int positional = 0;
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            if (a == "--max-clients") {
                opts.max_clients = static_cast<std::size_t>(number(argc, argv, i));
            } else if (a == "--max-line") {
                opts.max_line = static_cast<std::size_t>(number(argc, argv, i));
            } else if (a == "--queue") {
                opts.queue = static_cast<std::size_t>(number(argc, argv, i));
            } else if (a == "--idle") {
                opts.idle_timeout = std::chrono::seconds(number(argc, argv, i));
            } else if (a == "--quiet") {
                opts.log = false;
            } else if (a.starts_with("--") || positional == 2) {
                std::fprintf(stderr, "chat_server: unknown argument '%s'\n", argv[i]);
                return 2;
            } else {
                (positional++ == 0 ? address : name) = argv[i];
            }
        }
        auto addr = af::net::socket_addr::parse(address);
        auto backend = af::rt::io_backend::automatic;
        if (std::strcmp(name, "epoll") == 0) {
            backend = af::rt::io_backend::epoll;
        } else if (std::strcmp(name, "io_uring") == 0) {
            backend = af::rt::io_backend::io_uring;
        } else if (std::strcmp(name, "auto") != 0) {
            std::fprintf(stderr, "chat_server: unknown backend '%s' (expected epoll, io_uring or auto)\n", name);
            return 2;
        }
        af::rt::runtime rt = af::rt::builder().multi_thread().enable_all().io_backend(backend).build();
        rt.block_on(serve(addr, opts));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_server: %s\n", e.what());
        return 1;
    }
}

// SPDX-License-Identifier: MIT
/// \file
/// A line-based chat room over TCP: each line a client sends is broadcast to every other client
/// (see chat_room.hpp for the protocol). Try it with a few `nc 127.0.0.1 7000` terminals: the
/// first line you type is your name.
///
///     chat_server [address] [epoll|io_uring|auto]     (default 127.0.0.1:7000, auto)
#include <cstdio>
#include <cstring>
#include <exception>

#include "af/net/socket_addr.hpp"
#include "af/rt/runtime.hpp"
#include "chat_room.hpp"

int main(int argc, char** argv) {
    try {
        auto addr = af::net::socket_addr::parse(argc > 1 ? argv[1] : "127.0.0.1:7000");
        const char* name = argc > 2 ? argv[2] : "auto";
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
        rt.block_on([](af::net::socket_addr addr) -> af::task<void> {
            auto listener = af::net::tcp_listener::bind(addr);
            std::printf("listening on %s\n", listener.local_addr().to_string().c_str());
            std::fflush(stdout);
            co_await chat::run(std::move(listener));
        }(addr));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_server: %s\n", e.what());
        return 1;
    }
}

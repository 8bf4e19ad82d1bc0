// SPDX-License-Identifier: MIT
/// \file
/// The chat room of chat_server.cpp, driven by three scripted clients in one process: the server
/// listens on an ephemeral port of 127.0.0.1, alice, bob and carol join and talk, carol leaves,
/// and each client's transcript is printed. The output is the same on every run: the script waits
/// until every client has received a message before the next one is sent.
///
///     chat_demo [epoll|io_uring|auto]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "af/rt/runtime.hpp"
#include "af/time/timeout.hpp"
#include "chat_room.hpp"

namespace {

using namespace std::chrono_literals;

// Lines in, at most 4 KiB each, like the server reads them.
using line_stream = af::io::framed<af::net::tcp_read_half, af::io::lines_codec>;

struct client {
    std::string name;
    af::net::tcp_write_half out;
    line_stream in;
    std::vector<std::string> received;
};

af::task<client> join(af::net::socket_addr server, std::string name) {
    af::net::tcp_stream conn = co_await af::net::tcp_stream::connect(server);
    auto [rd, wr] = std::move(conn).into_split();
    client c{name, std::move(wr), line_stream(std::move(rd), af::io::lines_codec(4096)), {}};
    std::string hello = name + "\n";
    co_await c.out.write_all(hello);
    // The room's greeting means it has announced us: the next client to join will not hear
    // that announcement, whatever the scheduling (the transcript stays the same on every run).
    auto welcome = co_await af::time::timeout(5s, af::next(c.in));
    if (!welcome || !*welcome || **welcome != "* welcome, " + name) {
        throw std::runtime_error(name + " was not welcomed by the room");
    }
    std::printf("%s joins\n", name.c_str());
    co_return c;
}

af::task<void> say(client& c, std::string text) {
    std::printf("%s says: %s\n", c.name.c_str(), text.c_str());
    std::string line = text + "\n";
    co_await c.out.write_all(line);
}

// Waits (at most 5 s) for `c`'s next line and checks that it is `want`.
af::task<void> expect(client& c, std::string want) {
    auto got = co_await af::time::timeout(5s, af::next(c.in));
    if (!got) throw std::runtime_error(c.name + " waited in vain for '" + want + "'");
    if (!*got || **got != want) {
        throw std::runtime_error(c.name + " expected '" + want + "' but got '" + (*got ? **got : "<end>") + "'");
    }
    c.received.push_back(want);
}

af::task<void> script() {
    auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
    af::net::socket_addr addr = listener.local_addr();
    chat::options opts;
    opts.log = false;  // clients that close with lines unread reset their connection: not news here
    auto server = af::rt::spawn(chat::run(std::move(listener), opts));
    std::printf("chat server listening on 127.0.0.1 (ephemeral port)\n");

    client alice = co_await join(addr, "alice");
    client bob = co_await join(addr, "bob");
    co_await expect(alice, "* bob joined");
    client carol = co_await join(addr, "carol");
    co_await expect(alice, "* carol joined");
    co_await expect(bob, "* carol joined");

    co_await say(alice, "hi all");
    co_await expect(bob, "alice: hi all");
    co_await expect(carol, "alice: hi all");
    co_await say(bob, "hey alice, welcome");
    co_await expect(alice, "bob: hey alice, welcome");
    co_await expect(carol, "bob: hey alice, welcome");
    co_await say(carol, "gotta go, bye!");
    co_await expect(alice, "carol: gotta go, bye!");
    co_await expect(bob, "carol: gotta go, bye!");
    std::printf("carol disconnects\n");
    co_await af::io::shutdown(carol.out);
    co_await expect(alice, "* carol left");
    co_await expect(bob, "* carol left");

    for (client* c : {&alice, &bob, &carol}) {
        std::printf("--- %s received %zu lines ---\n", c->name.c_str(), c->received.size());
        for (const auto& l : c->received) std::printf("  %s\n", l.c_str());
    }
    server.abort();
}

}  // namespace

int main(int argc, char** argv) {
    try {
        auto backend = af::rt::io_backend::automatic;
        if (argc > 1 && std::strcmp(argv[1], "epoll") == 0) backend = af::rt::io_backend::epoll;
        if (argc > 1 && std::strcmp(argv[1], "io_uring") == 0) backend = af::rt::io_backend::io_uring;
        af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_all().io_backend(backend).build();
        rt.block_on(script());
        std::printf("chat demo done\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_demo: %s\n", e.what());
        return 1;
    }
}

// SPDX-License-Identifier: MIT
// A server that holds up against hostile clients: lines of at most 64 bytes (framed +
// lines_codec), an idle timeout, a connection cap, and a bounded queue per client whose
// overflow disconnects that client instead of dropping its messages.
#include <af/channel/mpsc.hpp>
#include <af/io/framed.hpp>
#include <af/io/lines_codec.hpp>
#include <af/net.hpp>
#include <af/rt.hpp>
#include <af/stream/next.hpp>
#include <af/time/timeout.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

using namespace std::chrono_literals;

constexpr std::size_t max_line = 64;
constexpr auto idle = 1000ms;
constexpr std::size_t max_clients = 2;

af::task<void> serve(af::net::tcp_stream conn, std::shared_ptr<std::atomic<std::size_t>> open) {
    auto [rd, wr] = std::move(conn).into_split();
    af::io::framed lines(std::move(rd), af::io::lines_codec(max_line));  // never buffers more
    std::string bye;
    try {
        for (;;) {
            auto line = co_await af::time::timeout(idle, af::next(lines));
            if (!line) {
                bye = "idle for 1000 ms, bye\n";
                break;
            }
            if (!*line) break;  // the client closed
            std::string answer = "you said: " + **line + "\n";
            co_await wr.write_all(answer);
        }
    } catch (const af::io::frame_error&) {
        bye = "line over 64 bytes, bye\n";
    }
    if (!bye.empty()) co_await wr.write_all(bye);
    open->fetch_sub(1);
}

af::task<void> refuse(af::net::tcp_stream conn) {
    auto said = co_await af::time::timeout(1s, conn.write_all("server full, try again later\n"));
    (void)said;  // closed either way
}

af::task<void> accept_loop(af::net::tcp_listener listener) {
    auto open = std::make_shared<std::atomic<std::size_t>>(0);
    for (;;) {
        auto [conn, peer] = co_await listener.accept();
        if (open->load() >= max_clients) {
            af::rt::spawn(refuse(std::move(conn)));
            continue;
        }
        open->fetch_add(1);
        af::rt::spawn(serve(std::move(conn), open));
    }
}

// A client: connects, sends `say` (if any), prints every line it gets until the server closes.
struct client {
    std::string name;
    af::net::tcp_stream conn;
};

af::task<void> print_replies(client& c, std::string say) {
    if (!say.empty()) co_await c.conn.write_all(say);
    af::io::framed replies(c.conn, af::io::lines_codec(1024));
    try {
        while (auto line = co_await af::next(replies)) {
            std::printf("%s: %s\n", c.name.c_str(), line->c_str());
            if (*line == "you said: hello") co_return;  // a reply, not a goodbye: stay connected
        }
    } catch (const std::system_error&) {
        // the server closed with our bytes unread: a reset after its goodbye
    }
}

int main() {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_all().build();
    rt.block_on([]() -> af::task<void> {
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto addr = listener.local_addr();
        auto server = af::rt::spawn(accept_loop(std::move(listener)));

        // Each connection is a named local first (GCC 12 miscompiles co_await inside braces).
        auto c1 = co_await af::net::tcp_stream::connect(addr);
        client alice{"alice", std::move(c1)};
        co_await print_replies(alice, "hello\n");  // served: alice is counted
        auto c2 = co_await af::net::tcp_stream::connect(addr);
        client bob{"bob", std::move(c2)};
        auto c3 = co_await af::net::tcp_stream::connect(addr);
        client carol{"carol", std::move(c3)};  // the third
        co_await print_replies(carol, "");
        co_await print_replies(alice, std::string(1000, 'x') + "\n");
        co_await print_replies(bob, "");  // bob says nothing
        server.abort();
    }());

    // The per-client queue: the room offers each line with try_send, which never waits. A full
    // queue means this client reads slower than the room talks: disconnect it with a message.
    auto [tx, rx] = af::channel::mpsc::bounded<std::string>(4);
    int queued = 0;
    for (int i = 0; i < 5; ++i) {
        auto r = tx.try_send("line " + std::to_string(i));
        if (r) {
            ++queued;
        } else if (r.status() == af::channel::send_status::full) {
            std::printf("slow client: %d lines queued, the next found the queue full: disconnect it\n", queued);
            break;
        }
    }
}

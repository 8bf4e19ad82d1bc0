// SPDX-License-Identifier: MIT
// Split a connection into an owned read half and write half, one task each, and read lines
// (at most 1 KiB each: framed + lines_codec refuses a longer one instead of buffering it).
#include <af/net.hpp>
#include <af/rt.hpp>
#include <af/channel/mpsc.hpp>
#include <af/io/framed.hpp>
#include <af/io/lines_codec.hpp>
#include <af/io/shutdown.hpp>
#include <af/stream/next.hpp>

#include <cassert>
#include <cctype>
#include <string>
#include <vector>

int main() {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_all().build();
    std::vector<std::string> got = rt.block_on([]() -> af::task<std::vector<std::string>> {
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("[::1]:0"));
        auto client = co_await af::net::tcp_stream::connect(listener.local_addr());
        auto [server_side, peer] = co_await listener.accept();
        assert(peer == client.local_addr());

        // The server upper-cases each line. Its halves run in two tasks, possibly on two threads.
        auto [rd, wr] = std::move(server_side).into_split();
        auto [tx, rx] = af::channel::mpsc::bounded<std::string>(16);
        auto reader = af::rt::spawn([rd = std::move(rd), tx = std::move(tx)]() mutable -> af::task<void> {
            auto out = std::move(tx);  // a local: the channel closes when this task ends
            af::io::framed lines(std::move(rd), af::io::lines_codec(1024));
            while (auto line = co_await af::next(lines)) {
                for (char& c : *line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                (void)co_await out.send(*line + "\n");  // fails only if the writer is gone
            }
        });
        auto writer = af::rt::spawn([wr = std::move(wr), rx = std::move(rx)]() mutable -> af::task<void> {
            while (auto line = co_await rx.recv()) co_await wr.write_all(*line);
            co_await af::io::shutdown(wr);
        });

        co_await client.write_all("one\ntwo\nthree\n");
        client.shutdown(af::net::shutdown_how::write);
        std::vector<std::string> out;
        af::io::framed replies(std::move(client), af::io::lines_codec(1024));
        while (auto line = co_await af::next(replies)) out.push_back(*line);
        co_await std::move(reader);
        co_await std::move(writer);
        co_return out;
    });
    assert((got == std::vector<std::string>{"ONE", "TWO", "THREE"}));
}

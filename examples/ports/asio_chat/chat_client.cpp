// SPDX-License-Identifier: MIT
// The af port of Asio's chat client (Boost 1.81, example/cpp11/chat): sends each line of stdin
// as a message and prints every message the room relays, one per line.
//
//     chat_client <host> <port>
//
// stdin is read on the main thread (a blocking read, as in the original); each line is sent
// with a block_on of one write on the socket's write half, while a task on the runtime prints
// what the read half receives. At the end of stdin the client closes and exits.
#include <iostream>  // stdin, stdout
#include <string>

#include "af/io/write_all.hpp"
#include "af/net/lookup_host.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"
#include "chat_protocol.hpp"

namespace {

af::task<void> print_messages(af::net::tcp_read_half rd) {
    while (std::optional<std::string> body = co_await chat::read_message(rd)) {
        std::cout.write(body->data(), static_cast<std::streamsize>(body->size())) << "\n" << std::flush;
    }
}

af::task<void> send_line(af::net::tcp_write_half& wr, const std::string& line) {
    chat::message m = chat::encode(line);
    co_await af::io::write_all(wr, std::as_bytes(std::span(*m)));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: chat_client <host> <port>\n";
        return 1;
    }
    try {
        af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(1).enable_all().build();
        std::string where = std::string(argv[1]) + ":" + argv[2];
        auto conn = rt.block_on([&]() -> af::task<af::net::tcp_stream> {
            auto addrs = co_await af::net::lookup_host(where);
            co_return co_await af::net::tcp_stream::connect(addrs.at(0));
        }());
        auto [rd, wr] = std::move(conn).into_split();
        auto printer = rt.spawn(print_messages(std::move(rd)));
        std::string line;
        while (std::getline(std::cin, line)) rt.block_on(send_line(wr, line));
        printer.abort();
    } catch (const std::exception& e) {
        std::cerr << "chat_client: " << e.what() << "\n";
        return 1;
    }
}

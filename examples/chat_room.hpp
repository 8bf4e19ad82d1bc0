// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The chat room shared by examples/chat_server.cpp and examples/chat_demo.cpp: a line-based
/// chat over TCP where each line a client sends is broadcast to every other client.
///
/// Protocol: a client's first line is its name; the room announces "* <name> joined" to the
/// others, then tells the newcomer "* welcome, <name>" (a client that waits for it knows the
/// room has seen it join, and that it will not hear its own announcement). Every
/// further line goes to the others as "<name>: <line>". When the client disconnects the room
/// announces "* <name> left".
///
/// Design: one af::channel::broadcast carries every message to every connection. Each client
/// gets two tasks over the halves of its split tcp_stream: the connection's own task reads lines
/// and sends them to the channel; a spawned writer receives from the channel and writes the
/// messages that are not its own. When the reader sees end of stream it announces the leave and
/// aborts the writer, which drops the client's subscription and the last half of its socket.
#include <cstdint>
#include <string>
#include <utility>

#include "af/channel/broadcast.hpp"
#include "af/core/task.hpp"
#include "af/io/buf_reader.hpp"
#include "af/io/lines.hpp"
#include "af/io/shutdown.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/spawn.hpp"
#include "af/stream/next.hpp"

namespace chat {

struct message {
    std::uint64_t from;  // the connection it is about; everyone else receives it
    std::string text;
    std::uint64_t to = 0;  // when not 0: only this connection receives it
};

using sender = af::channel::broadcast::sender<message>;
using receiver = af::channel::broadcast::receiver<message>;

/// Writes every message not sent by `self` to `out`, until aborted or the room closes.
inline af::task<void> write_messages(af::net::tcp_write_half out, receiver rx, std::uint64_t self) {
    for (;;) {
        af::channel::recv_result<message> m = co_await rx.recv();
        if (m.is_lagged()) continue;  // this client fell behind: the oldest messages are lost, go on
        if (m.is_closed()) co_return;
        if (m->from == self || (m->to != 0 && m->to != self)) continue;
        std::string line = m->text + "\n";
        co_await out.write_all(line);
    }
}

/// Serves one connection for its whole life.
inline af::task<void> serve_client(af::net::tcp_stream conn, sender tx, std::uint64_t id) {
    receiver rx = tx.subscribe();  // before anything is announced: see every later message
    auto [rd, wr] = std::move(conn).into_split();
    auto lines = af::io::lines(af::io::buf_reader(std::move(rd)));
    std::optional<std::string> name = co_await af::next(lines);
    if (!name) co_return;
    auto writer = af::rt::spawn(write_messages(std::move(wr), std::move(rx), id));
    (void)tx.send(message{id, "* " + *name + " joined"});  // to the others only
    (void)tx.send(message{0, "* welcome, " + *name, id});  // to the newcomer only
    try {
        while (auto line = co_await af::next(lines)) {
            (void)tx.send(message{id, *name + ": " + *line});
        }
    } catch (const std::system_error&) {
        // a reset connection leaves like a closed one
    }
    (void)tx.send(message{id, "* " + *name + " left"});
    writer.abort();
}

/// Accepts connections for ever, each served by its own task.
inline af::task<void> run(af::net::tcp_listener listener) {
    auto [tx, keep] = af::channel::broadcast::channel<message>(256);
    std::uint64_t next_id = 1;
    for (;;) {
        auto accepted = co_await listener.accept();
        af::rt::spawn(serve_client(std::move(accepted.first), tx, next_id++));
    }
}

}  // namespace chat

// SPDX-License-Identifier: MIT
// The af port of Asio's chat server (Boost 1.81, example/cpp11/chat): one room; every message a
// participant sends is relayed to every participant, and a newcomer first gets the last 100.
//
//     chat_server <port> [<port> ...]
//
// Where the shape differs from the callback original (see docs/ports/asio_chat.md): a session
// is one coroutine that selects between its reader and its writer, so no shared_ptr keeps it
// alive; each participant has a bounded queue, and one that falls behind by more than it holds
// is disconnected at once (the original's queue grows without bound); a bad header closes that
// participant only.
#include <cstdint>   // the ports
#include <cstdlib>   // std::strtoul
#include <deque>     // the recent messages
#include <iostream>  // usage and errors
#include <map>       // the participants
#include <mutex>     // the room is shared by the sessions on all workers
#include <optional>  // leave
#include <string>
#include <vector>    // the participants cut off by one delivery

#include "af/channel/mpsc.hpp"
#include "af/channel/oneshot.hpp"
#include "af/future/select.hpp"
#include "af/io/write_all.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "chat_protocol.hpp"

namespace {

constexpr std::size_t recent_max = 100;
// The queue holds a full replay plus some slack; a participant this far behind is cut off.
constexpr std::size_t queue_capacity = 256;

class room {
public:
    struct membership {
        af::channel::mpsc::receiver<chat::message> queue;
        af::channel::oneshot::receiver<void> kicked;  // throws af::closed_error when cut off
    };

    membership join(std::uint64_t id) {
        auto [tx, rx] = af::channel::mpsc::bounded<chat::message>(queue_capacity);
        auto [kick_tx, kick_rx] = af::channel::oneshot::channel<void>();
        std::lock_guard lock(m_);
        for (const chat::message& m : recent_) (void)tx.try_send(m);  // fits: recent_max < capacity
        members_.emplace(id, member{std::move(tx), std::move(kick_tx)});
        return {std::move(rx), std::move(kick_rx)};
    }
    void leave(std::uint64_t id) {
        std::optional<member> gone;  // destroyed (waking its session) after the lock is released
        std::lock_guard lock(m_);
        if (auto it = members_.find(id); it != members_.end()) {
            gone.emplace(std::move(it->second));
            members_.erase(it);
        }
    }
    void deliver(const chat::message& m) {
        std::vector<member> cut;  // as in leave: destroyed after the lock
        std::lock_guard lock(m_);
        recent_.push_back(m);
        if (recent_.size() > recent_max) recent_.pop_front();
        for (auto it = members_.begin(); it != members_.end();) {
            if (it->second.queue.try_send(m).is_full()) {
                // Too slow. Dropping its kick sender ends its session at once, even while its
                // writer waits on a full socket.
                cut.push_back(std::move(it->second));
                it = members_.erase(it);
            } else {
                ++it;
            }
        }
    }

private:
    struct member {
        af::channel::mpsc::sender<chat::message> queue;
        af::channel::oneshot::sender<void> kick;  // dropped unsent: the session ends
    };
    std::mutex m_;
    std::deque<chat::message> recent_;
    std::map<std::uint64_t, member> members_;
};

af::task<void> read_loop(af::net::tcp_read_half& rd, room& r) {
    while (std::optional<std::string> body = co_await chat::read_message(rd)) r.deliver(chat::encode(*body));
}

af::task<void> write_loop(af::net::tcp_write_half& wr, af::channel::mpsc::receiver<chat::message>& rx) {
    while (std::optional<chat::message> m = co_await rx.recv()) {
        const std::string& s = **m;
        co_await af::io::write_all(wr, std::as_bytes(std::span(s)));
    }
}

af::task<void> session(af::net::tcp_stream conn, room& r, std::uint64_t id) {
    auto [rd, wr] = std::move(conn).into_split();
    auto [rx, kicked] = r.join(id);
    try {
        // Whichever ends first (the peer closed or sent a bad header, a write failed, the room
        // cut this participant off) drops the others; the socket closes with the halves.
        co_await af::select(read_loop(rd, r), write_loop(wr, rx), std::move(kicked));
    } catch (const std::exception&) {
        // Cut off, a reset or a broken pipe: this participant only.
    }
    r.leave(id);
}

af::task<void> serve(std::uint16_t port, room& r) {
    auto listener = af::net::tcp_listener::bind(af::net::socket_addr::v4_any(port));
    for (std::uint64_t id = 0;; ++id) {
        auto accepted = co_await listener.accept();
        accepted.first.set_nodelay(true);
        af::rt::spawn(session(std::move(accepted.first), r, id));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: chat_server <port> [<port> ...]\n";
        return 1;
    }
    try {
        af::rt::runtime rt = af::rt::builder().multi_thread().enable_all().build();
        rt.block_on([&]() -> af::task<void> {
            std::vector<room> rooms(static_cast<std::size_t>(argc - 1));
            std::vector<af::join_handle<void>> servers;
            for (int i = 1; i < argc; ++i) {
                auto port = static_cast<std::uint16_t>(std::strtoul(argv[i], nullptr, 10));
                servers.push_back(af::rt::spawn(serve(port, rooms[static_cast<std::size_t>(i - 1)])));
            }
            for (auto& s : servers) co_await std::move(s);
        }());
    } catch (const std::exception& e) {
        std::cerr << "chat_server: " << e.what() << "\n";
        return 1;
    }
}

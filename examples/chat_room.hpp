// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The chat room shared by examples/chat_server.cpp and examples/chat_demo.cpp: a line-based
/// chat over TCP where each line a client sends is broadcast to every other client.
///
/// Protocol: a client's first line is its name; the room announces "* <name> joined" to the
/// others, then tells the newcomer "* welcome, <name>" (a client that waits for it knows the
/// room has seen it join, and that it will not hear its own announcement). Every further line
/// goes to the others as "<name>: <line>". When the client disconnects the room announces
/// "* <name> left".
///
/// Built to survive hostile clients (each limit is a field of `chat::options`):
/// - Every client has its own bounded queue (an af::channel::mpsc of `queue` lines). Lines are
///   never dropped silently: a client whose queue is full when a line arrives is too slow; it
///   leaves the room, gets what was queued and "* disconnected: too slow" (within
///   `goodbye_timeout`), and the room hears "* <name> was disconnected (too slow)". The others
///   lose nothing and never wait for it.
/// - Lines are read with af::io::framed and a lines_codec of at most `max_line` bytes: a longer
///   line costs at most that much memory, and ends the connection with a message.
/// - A client that sends no line for `idle_timeout` (including its name: slowloris) is
///   disconnected with a message.
/// - At most `max_clients` connections at once; the next is told "* server full" and closed.
/// - A failing client costs one log line (stderr), not one per failed write.
///
/// Design: the room (a map of members under a mutex held only for non-suspending work) fans
/// each line out with `try_send`, so a send never waits. A connection is one task that selects
/// over three futures on the halves of its split socket: the reader (lines in, to the room),
/// the writer (its queue out to the socket) and a deadline that starts once the member has left
/// the room, so a client that stops reading cannot hold its task for ever.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "af/channel/mpsc.hpp"
#include "af/core/task.hpp"
#include "af/future/never.hpp"
#include "af/future/select.hpp"
#include "af/io/error.hpp"
#include "af/io/framed.hpp"
#include "af/io/lines_codec.hpp"
#include "af/io/shutdown.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/spawn.hpp"
#include "af/stream/next.hpp"
#include "af/sync/notify.hpp"
#include "af/time/sleep.hpp"
#include "af/time/timeout.hpp"

namespace chat {

struct options {
    std::size_t max_clients = 1024;  // connections at once; more are told "server full"
    std::size_t max_line = 4096;     // bytes per line; a longer one ends the connection
    std::size_t max_name = 32;       // bytes of a name
    std::size_t queue = 256;         // lines waiting for one client; one more and it is too slow
    std::chrono::milliseconds idle_timeout = std::chrono::minutes(5);  // no line for so long: out
    std::chrono::milliseconds goodbye_timeout = std::chrono::seconds(5);  // to flush a leaver
    int send_buffer = 64 * 1024;     // the kernel's buffer per connection (SO_SNDBUF), bounded
    bool log = true;                 // one stderr line per client that fails
};

/// One message, with its "\n", shared by every client that receives it.
using line = std::shared_ptr<const std::string>;

inline line make_line(std::string text) {
    text += '\n';
    return std::make_shared<const std::string>(std::move(text));
}

/// What the room knows of one connection. `tx` and `farewell` are guarded by the room's mutex.
struct member {
    std::uint64_t id = 0;
    std::string name;
    std::string peer;
    std::optional<af::channel::mpsc::sender<line>> tx;  // reset when it leaves: its queue ends
    std::string farewell;  // the last line it gets, when it is made to leave
    bool logged = false;   // one log line per client
    af::sync::notify gone;  // set once it has left the room: its goodbye deadline starts
};

class room {
public:
    explicit room(options o) : opts_(o) {}
    const options& opts() const noexcept { return opts_; }

    /// Enters `m` (named, with its queue) and greets it.
    void join(const std::shared_ptr<member>& m) {
        std::vector<std::shared_ptr<member>> kicked;
        {
            std::lock_guard lock(mu_);
            // Its own queue is empty: the welcome always fits, and comes before anything else.
            (void)m->tx->try_send(make_line("* welcome, " + m->name));
            fan_out(make_line("* " + m->name + " joined"), m->id, kicked);
            members_.emplace(m->id, m);
        }
        finish_kicks(kicked);
    }

    /// Sends `text` from `m` to every other member.
    void say(const member& m, const std::string& text) {
        std::vector<std::shared_ptr<member>> kicked;
        {
            std::lock_guard lock(mu_);
            if (!members_.contains(m.id)) return;  // made to leave meanwhile
            fan_out(make_line(m.name + ": " + text), m.id, kicked);
        }
        finish_kicks(kicked);
    }

    /// Takes `m` out of the room (idempotent). `farewell` (if any) is the last line it gets;
    /// `why` (if any) is logged. The others hear "* <name> left".
    void leave(const std::shared_ptr<member>& m, const std::string& farewell, const char* why) {
        std::vector<std::shared_ptr<member>> kicked;
        bool was_in = false;
        {
            std::lock_guard lock(mu_);
            was_in = members_.erase(m->id) != 0;
            if (m->tx) {
                if (m->farewell.empty()) m->farewell = farewell;
                m->tx.reset();
            }
            if (why) log_locked(*m, why);
            if (was_in) fan_out(make_line("* " + m->name + " left"), m->id, kicked);
        }
        m->gone.notify_one();
        finish_kicks(kicked);
    }

    /// The line to send once `m`'s queue has ended ("" when none).
    std::string farewell(const member& m) {
        std::lock_guard lock(mu_);
        return m.farewell;
    }

    /// Logs `why` for `m` unless something was logged for it already.
    void log(member& m, const char* why) {
        std::lock_guard lock(mu_);
        log_locked(m, why);
    }

    std::size_t members() {
        std::lock_guard lock(mu_);
        return members_.size();
    }

    std::atomic<std::size_t> connections{0};

private:
    // Offers `l` to every member but `from`; a member whose queue is full leaves (into `kicked`).
    void fan_out(const line& l, std::uint64_t from, std::vector<std::shared_ptr<member>>& kicked) {
        const std::size_t first = kicked.size();
        for (auto& [id, m] : members_) {
            if (id == from || !m->tx) continue;
            auto r = m->tx->try_send(l);
            if (!r && r.status() == af::channel::send_status::full) kicked.push_back(m);
        }
        const std::size_t last = kicked.size();
        for (std::size_t i = first; i < last; ++i) {
            member& m = *kicked[i];
            members_.erase(m.id);
            m.farewell = "* disconnected: too slow (" + std::to_string(opts_.queue) + " lines waiting)\n";
            m.tx.reset();  // its writer sends what is queued, then the farewell
            log_locked(m, "too slow, disconnected");
        }
        // Their departure is news too (and may find more slow members).
        for (std::size_t i = first; i < last; ++i) {
            fan_out(make_line("* " + kicked[i]->name + " was disconnected (too slow)"), 0, kicked);
        }
    }

    static void finish_kicks(const std::vector<std::shared_ptr<member>>& kicked) {
        for (const auto& m : kicked) m->gone.notify_one();
    }

    void log_locked(member& m, const char* why) {
        if (!opts_.log || m.logged) return;
        m.logged = true;
        std::fprintf(stderr, "chat: client %llu %s (%s): %s\n", static_cast<unsigned long long>(m.id), m.peer.c_str(),
                     m.name.empty() ? "no name yet" : m.name.c_str(), why);
    }

    options opts_;
    std::mutex mu_;
    std::map<std::uint64_t, std::shared_ptr<member>> members_;
};

using line_reader = af::io::framed<af::net::tcp_read_half, af::io::lines_codec>;

/// Reads the client's lines into the room until it leaves; then waits (the writer finishes).
inline af::task<void> read_lines(line_reader& in, std::shared_ptr<room> r, std::shared_ptr<member> me) {
    const options& o = r->opts();
    std::string farewell;
    const char* why = nullptr;
    try {
        bool named = false;
        for (;;) {
            auto got = co_await af::time::timeout(o.idle_timeout, af::next(in));
            if (!got) {
                farewell = "* disconnected: idle for " + std::to_string(o.idle_timeout.count()) + " ms\n";
                why = "idle, disconnected";
                break;
            }
            std::optional<std::string>& text = *got;
            if (!text) break;  // the client closed: an ordinary leave
            if (!named) {
                if (text->empty() || text->size() > o.max_name) {
                    farewell = "* a name is 1 to " + std::to_string(o.max_name) + " bytes\n";
                    why = "bad name, disconnected";
                    break;
                }
                me->name = std::move(*text);
                named = true;
                r->join(me);
                continue;
            }
            r->say(*me, *text);
        }
    } catch (const af::io::frame_error&) {
        farewell = "* disconnected: line over " + std::to_string(o.max_line) + " bytes\n";
        why = "line too long, disconnected";
    } catch (const std::exception& e) {
        why = e.what();  // a reset connection, or no memory for this client: it alone ends
    }
    r->leave(me, farewell, why);
    co_await af::never<void>();  // the writer (or the goodbye deadline) ends the connection
}

/// Writes the client's queue to its socket until the queue ends, then its farewell.
inline af::task<void> write_lines(af::net::tcp_write_half& out, af::channel::mpsc::receiver<line>& rx,
                                  std::shared_ptr<room> r, std::shared_ptr<member> me) {
    try {
        while (std::optional<line> l = co_await rx.recv()) co_await out.write_all(**l);
        std::string bye = r->farewell(*me);
        if (!bye.empty()) co_await out.write_all(bye);
        co_await af::io::shutdown(out);
    } catch (const std::exception& e) {
        r->leave(me, "", e.what());
    }
}

/// Ends `goodbye_timeout` after `me` has left the room: a leaver that does not read its last
/// lines does not keep its connection.
inline af::task<void> goodbye_deadline(std::shared_ptr<room> r, std::shared_ptr<member> me) {
    co_await me->gone.notified();
    co_await af::time::sleep(r->opts().goodbye_timeout);
    r->log(*me, "did not read its last lines in time, dropped");
}

/// Serves one connection for its whole life.
inline af::task<void> serve_client(af::net::tcp_stream conn, std::shared_ptr<room> r, std::uint64_t id) {
    struct release {
        room& r;
        ~release() { r.connections.fetch_sub(1, std::memory_order_relaxed); }
    } slot{*r};
    auto me = std::make_shared<member>();
    me->id = id;
    try {
        me->peer = conn.peer_addr().to_string();
        conn.set_send_buffer_size(r->opts().send_buffer);
        auto [tx, rx] = af::channel::mpsc::bounded<line>(r->opts().queue);
        me->tx.emplace(std::move(tx));
        auto [rd, wr] = std::move(conn).into_split();
        line_reader in(std::move(rd), af::io::lines_codec(r->opts().max_line));
        auto reading = read_lines(in, r, me);
        auto writing = write_lines(wr, rx, r, me);
        auto deadline = goodbye_deadline(r, me);
        co_await af::select(std::move(reading), std::move(writing), std::move(deadline));
    } catch (const std::exception& e) {
        r->log(*me, e.what());  // e.g. no memory for this connection: it ends, the server goes on
    }
    r->leave(me, "", nullptr);  // already out unless setting up failed half-way
}

/// Tells a connection over the cap that the room is full, and closes it.
inline af::task<void> refuse(af::net::tcp_stream conn) {
    try {
        auto said = co_await af::time::timeout(std::chrono::seconds(1), conn.write_all("* server full, try again later\n"));
        (void)said;
    } catch (const std::exception&) {
        // it is closed either way
    }
}

/// Accepts connections for ever into room `r`, each served by its own task.
inline af::task<void> run(af::net::tcp_listener listener, std::shared_ptr<room> r) {
    const options opts = r->opts();
    std::uint64_t next_id = 1;
    bool warned_full = false;
    for (;;) {
        bool failed = false;
        try {
            auto accepted = co_await listener.accept();
            if (r->connections.load(std::memory_order_relaxed) >= opts.max_clients) {
                if (opts.log && !warned_full) std::fprintf(stderr, "chat: %zu connections, refusing more\n", opts.max_clients);
                warned_full = true;
                af::rt::spawn(refuse(std::move(accepted.first)));
                continue;
            }
            warned_full = false;
            // Relaxed: only this loop adds, and a stale count only delays the cap by a connection.
            r->connections.fetch_add(1, std::memory_order_relaxed);
            af::rt::spawn(serve_client(std::move(accepted.first), r, next_id++));
        } catch (const std::exception& e) {
            // Out of memory (or another failure) on one connection: log it, pause, keep serving.
            if (opts.log) std::fprintf(stderr, "chat: accept: %s\n", e.what());
            failed = true;
        }
        if (failed) co_await af::time::sleep(std::chrono::milliseconds(100));
    }
}

/// Accepts connections for ever into a new room.
inline af::task<void> run(af::net::tcp_listener listener, options opts = {}) {
    return run(std::move(listener), std::make_shared<room>(opts));
}

}  // namespace chat

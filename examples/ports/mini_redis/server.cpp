// SPDX-License-Identifier: MIT
// mini-redis (tokio's tutorial server) ported to af: GET/SET with expiry, PUBLISH/SUBSCRIBE/
// UNSUBSCRIBE, a connection limit, an idle timeout, graceful shutdown on SIGINT/SIGTERM, and
// replies to pipelined requests batched into one write. docs/ports/mini_redis.md.
//
// Usage: af_mini_redis [--port N] [--max-connections N] [--idle-timeout-ms N] [--max-frame N]
//                      [--threads N] [--no-batching]
#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "af/channel/broadcast.hpp"
#include "af/channel/watch.hpp"
#include "af/core/task.hpp"
#include "af/future/select.hpp"
#include "af/io/framed.hpp"
#include "af/io/send_pipelined.hpp"
#include "af/net/socket_addr.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/sink/send.hpp"
#include "af/signal/signal.hpp"
#include "af/stream/next.hpp"
#include "af/stream/stream_map.hpp"
#include "af/sync/semaphore.hpp"
#include "af/time/timeout.hpp"
#include "resp.hpp"

namespace mini_redis {

namespace bc = af::channel::broadcast;
using clock = std::chrono::steady_clock;
using conn_t = af::io::framed<af::net::tcp_stream, resp_codec>;

struct options {
    unsigned short port = 6379;
    std::size_t max_connections = 250;
    std::chrono::milliseconds idle_timeout{300'000};
    std::size_t max_frame = 1 << 20;
    std::size_t threads = 2;
    bool batch = true;  // --no-batching: write and flush every reply alone (for comparison)
};

// The shared state: keys with an optional deadline, and one broadcast channel per pub/sub
// channel name. One mutex, held for a map operation, never across an await.
class db {
public:
    message get(const std::string& key) {
        std::lock_guard lk(m_);
        auto it = kv_.find(key);
        if (it == kv_.end()) return message::nil();
        if (it->second.expires && *it->second.expires <= clock::now()) {
            kv_.erase(it);  // expired: removed when next touched
            return message::nil();
        }
        return message::bulk(it->second.value);
    }
    void set(std::string key, std::string value, std::optional<clock::time_point> expires) {
        std::lock_guard lk(m_);
        kv_.insert_or_assign(std::move(key), entry{std::move(value), expires});
    }
    std::size_t publish(const std::string& channel, std::string payload) {
        std::lock_guard lk(m_);
        auto it = channels_.find(channel);
        if (it == channels_.end()) return 0;
        auto r = it->second.send(std::move(payload));
        if (!r.is_sent()) {
            channels_.erase(it);  // nobody listens any more
            return 0;
        }
        return r.receiver_count();
    }
    bc::receiver<std::string> subscribe(const std::string& channel) {
        std::lock_guard lk(m_);
        auto it = channels_.find(channel);
        if (it == channels_.end()) {
            auto [tx, rx] = bc::channel<std::string>(1024);
            channels_.emplace(channel, std::move(tx));
            return std::move(rx);
        }
        return it->second.subscribe();
    }

private:
    struct entry {
        std::string value;
        std::optional<clock::time_point> expires;
    };
    std::mutex m_;
    std::unordered_map<std::string, entry> kv_;
    std::unordered_map<std::string, bc::sender<std::string>> channels_;
};

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

message wrong_args(const std::string& cmd) {
    return message::error("ERR wrong number of arguments for '" + cmd + "' command");
}

// Every command outside subscriber mode (SUBSCRIBE is handled by the connection).
message execute(db& d, const std::vector<std::string>& a) {
    const std::string cmd = upper(a[0]);
    if (cmd == "PING") {
        if (a.size() > 2) return wrong_args("ping");
        return a.size() == 2 ? message::bulk(a[1]) : message::simple("PONG");
    }
    if (cmd == "GET") return a.size() == 2 ? d.get(a[1]) : wrong_args("get");
    if (cmd == "SET") {
        if (a.size() != 3 && a.size() != 5) return a.size() < 3 ? wrong_args("set") : message::error("ERR syntax error");
        std::optional<clock::time_point> expires;
        if (a.size() == 5) {
            const std::string unit = upper(a[3]);
            char* end = nullptr;
            long long n = std::strtoll(a[4].c_str(), &end, 10);
            if (a[4].empty() || *end != '\0' || n <= 0) return message::error("ERR invalid expire time in 'set' command");
            if (unit == "EX") {
                expires = clock::now() + std::chrono::seconds(n);
            } else if (unit == "PX") {
                expires = clock::now() + std::chrono::milliseconds(n);
            } else {
                return message::error("ERR syntax error");
            }
        }
        d.set(a[1], a[2], expires);
        return message::simple("OK");
    }
    if (cmd == "PUBLISH") {
        if (a.size() != 3) return wrong_args("publish");
        return message::integer(static_cast<long long>(d.publish(a[1], a[2])));
    }
    // redis-cli and redis-benchmark ask these on connect; an empty answer satisfies both.
    if (cmd == "COMMAND" || cmd == "CONFIG") return message::array({});
    return message::error("ERR unknown command '" + a[0] + "'");
}

class connection {
public:
    connection(af::net::tcp_stream s, std::shared_ptr<db> d, const options& o, af::channel::watch::receiver<bool> stop)
        : conn_(std::move(s), resp_codec(o.max_frame)), db_(std::move(d)), opts_(o), stop_(std::move(stop)) {}

    af::task<void> run() {
        std::string failure;
        try {
            co_await serve();
        } catch (const protocol_error& e) {
            failure = std::string("ERR Protocol error: ") + e.what();
        } catch (const af::io::frame_error& e) {
            failure = std::string("ERR Protocol error: ") + e.what();
        } catch (const std::exception&) {
            // The peer went away (reset, broken pipe): nothing to tell it.
        }
        // co_await is not allowed in a handler: the error is captured above and sent here.
        if (!failure.empty()) {
            try {
                co_await af::io::send_pipelined(conn_, message::error(failure));
            } catch (const std::exception&) {
            }
        }
    }

private:
    af::task<void> serve() {
        for (;;) {
            auto request = af::time::timeout(opts_.idle_timeout, af::next(conn_));
            auto stopping = stop_.changed();
            auto won = co_await af::select(std::move(request), std::move(stopping));
            if (won.index() == 1) co_return;  // shutting down
            auto& in_time = std::get<0>(won);
            if (!in_time) co_return;  // idle for too long
            std::optional<message> req = std::move(in_time.value());
            if (!req) co_return;  // the client closed
            const std::string cmd = upper(req->args[0]);
            if (cmd == "QUIT") {
                co_await af::io::send_pipelined(conn_, message::simple("OK"));
                co_return;
            }
            if (cmd == "SUBSCRIBE") {
                if (req->args.size() < 2) {
                    co_await af::io::send_pipelined(conn_, wrong_args("subscribe"));
                    continue;
                }
                co_await subscribed(std::move(req->args));
                co_return;
            }
            message reply = execute(*db_, req->args);
            if (opts_.batch) {
                co_await af::io::send_pipelined(conn_, std::move(reply));  // flushes after the batch
            } else {
                co_await af::sinks::send(conn_, std::move(reply));  // write + flush per reply
            }
        }
    }

    // Subscriber mode, as in mini-redis: published messages and further (UN)SUBSCRIBE
    // requests, until the client leaves or the server stops.
    af::task<void> subscribed(std::vector<std::string> first) {
        af::streams::stream_map<std::string, bc::receiver<std::string>> subs;
        std::vector<message> replies = subscribe(subs, first);
        for (auto& r : replies) co_await af::io::send_pipelined(conn_, std::move(r));
        for (;;) {
            auto published = subs.next();
            auto request = af::next(conn_);
            auto stopping = stop_.changed();
            // With no subscription left the map would answer "ended" at once: its branch is off.
            auto won = co_await af::select(af::when(!subs.empty(), std::move(published)), std::move(request),
                                           std::move(stopping));
            if (won.index() == 2) co_return;
            if (won.index() == 0) {
                auto& kv = std::get<0>(won);
                if (kv && kv->second.is_received()) {
                    message push = message::push("message", kv->first, kv->second.take_value());
                    co_await af::io::send_pipelined(conn_, std::move(push));
                }
                continue;  // a lag loses messages (as a slow redis subscriber would); go on
            }
            auto& req = std::get<1>(won);
            if (!req) co_return;
            const std::string cmd = upper(req->args[0]);
            if (cmd == "SUBSCRIBE" && req->args.size() >= 2) {
                replies = subscribe(subs, req->args);
            } else if (cmd == "UNSUBSCRIBE") {
                replies = unsubscribe(subs, req->args);
            } else if (cmd == "PING") {
                replies.assign(1, message::array({"pong", req->args.size() > 1 ? req->args[1] : ""}));
            } else if (cmd == "QUIT") {
                co_await af::io::send_pipelined(conn_, message::simple("OK"));
                co_return;
            } else {
                replies.assign(1, message::error("ERR Can't execute '" + req->args[0] +
                                                 "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                                                 "are allowed in this context"));
            }
            for (auto& r : replies) co_await af::io::send_pipelined(conn_, std::move(r));
        }
    }

    template <class Map>
    std::vector<message> subscribe(Map& subs, const std::vector<std::string>& args) {
        std::vector<message> out;
        for (std::size_t i = 1; i < args.size(); ++i) {
            if (!subs.contains(args[i])) subs.insert(args[i], db_->subscribe(args[i]));
            out.push_back(message::push_count("subscribe", args[i], subs.size()));
        }
        return out;
    }
    template <class Map>
    std::vector<message> unsubscribe(Map& subs, const std::vector<std::string>& args) {
        std::vector<std::string> names(args.begin() + 1, args.end());
        if (names.empty()) names = subs.keys();  // UNSUBSCRIBE alone: every channel
        std::vector<message> out;
        for (const auto& n : names) {
            subs.remove(n);
            out.push_back(message::push_count("unsubscribe", n, subs.size()));
        }
        if (out.empty()) out.push_back(message::unsubscribe_none());
        return out;
    }

    conn_t conn_;
    std::shared_ptr<db> db_;
    options opts_;
    af::channel::watch::receiver<bool> stop_;
};

af::task<void> serve_one(af::net::tcp_stream s, std::shared_ptr<db> d, options o,
                         af::channel::watch::receiver<bool> stop, af::sync::owned_semaphore_permit permit) {
    s.set_nodelay(true);
    connection c(std::move(s), std::move(d), o, std::move(stop));
    co_await c.run();
    (void)permit;  // released here: one more client may connect
}

af::task<void> refuse(af::net::tcp_stream s) {
    try {
        co_await s.write_all("-ERR max number of clients reached\r\n");
    } catch (const std::exception&) {
    }
}

af::task<void> accept_loop(af::net::tcp_listener& listener, std::shared_ptr<db> d, options o,
                           std::shared_ptr<af::sync::semaphore> limit, af::channel::watch::receiver<bool> stop) {
    for (;;) {
        auto accepted = co_await listener.accept();
        auto permit = af::sync::try_acquire_owned(limit);
        if (!permit) {
            af::rt::spawn(refuse(std::move(accepted.first)));
            continue;
        }
        af::rt::spawn(serve_one(std::move(accepted.first), d, o, stop, std::move(*permit)));
    }
}

af::task<int> serve(options o) {
    auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:" + std::to_string(o.port)));
    std::printf("listening on %s\n", listener.local_addr().to_string().c_str());
    std::fflush(stdout);
    auto d = std::make_shared<db>();
    auto limit = std::make_shared<af::sync::semaphore>(o.max_connections);
    auto [stop_tx, stop_rx] = af::channel::watch::channel<bool>(false);
    af::signal::signal_stream terms = af::signal::signal(SIGTERM);
    auto accepting = accept_loop(listener, d, o, limit, stop_rx);
    auto interrupted = af::signal::ctrl_c();
    auto terminated = af::next(terms);
    co_await af::select(std::move(accepting), std::move(interrupted), std::move(terminated));
    // Graceful shutdown: stop accepting (done: the loop was dropped), tell every connection,
    // then wait until each has given its permit back, for at most five seconds.
    const auto start = clock::now();
    (void)stop_tx.send(true);
    auto all_back = limit->acquire(o.max_connections);
    auto drained = co_await af::time::timeout(std::chrono::seconds(5), std::move(all_back));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start).count();
    std::printf("shutdown %s in %lld ms\n", drained ? "complete" : "timed out", static_cast<long long>(ms));
    std::fflush(stdout);
    co_return drained ? 0 : 1;
}

}  // namespace mini_redis

namespace {

std::size_t number(int argc, char** argv, int& i) {
    char* end = nullptr;
    long v = i + 1 < argc ? std::strtol(argv[i + 1], &end, 10) : -1;
    if (i + 1 >= argc || *end != '\0' || v <= 0) {
        std::fprintf(stderr, "af_mini_redis: %s needs a positive number\n", argv[i]);
        std::exit(2);
    }
    ++i;
    return static_cast<std::size_t>(v);
}

}  // namespace

int main(int argc, char** argv) {
    mini_redis::options o;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--port") == 0) {
            o.port = static_cast<unsigned short>(number(argc, argv, i));
        } else if (std::strcmp(argv[i], "--max-connections") == 0) {
            o.max_connections = number(argc, argv, i);
        } else if (std::strcmp(argv[i], "--idle-timeout-ms") == 0) {
            o.idle_timeout = std::chrono::milliseconds(number(argc, argv, i));
        } else if (std::strcmp(argv[i], "--max-frame") == 0) {
            o.max_frame = number(argc, argv, i);
        } else if (std::strcmp(argv[i], "--no-batching") == 0) {
            o.batch = false;
        } else if (std::strcmp(argv[i], "--threads") == 0) {
            o.threads = number(argc, argv, i);
        } else {
            std::fprintf(stderr, "af_mini_redis: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    try {
        af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(o.threads).enable_all().build();
        return rt.block_on(mini_redis::serve(o));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "af_mini_redis: %s\n", e.what());
        return 1;
    }
}

// SPDX-License-Identifier: MIT
/// writev_bench: one response (a ~200 byte head and three body chunks) written to a TCP
/// loopback connection three ways (docs/design/0018-vectored-io.md):
///   vectored   write_all_vectored([head, c1, c2, c3]): one sendmsg per poll
///   copy       the four parts copied into one buffer, then write_all
///   four       write_all of each part: four system calls (TCP_NODELAY, as servers set it)
/// for body chunks of 1 KiB, 16 KiB and 64 KiB, on the epoll and io_uring backends. A plain
/// thread drains the other end with blocking reads, so the measured task only writes.
///
///     cmake --preset bench && cmake --build build/bench --target writev_bench
///     build/bench/bench/writev_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/io/io_slice.hpp"
#include "af/io/write_all.hpp"
#include "af/io/write_all_vectored.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"

namespace {

enum class strategy { vectored, copy, four };

// A blocking listener and a thread that accepts one connection and reads it to the end.
class drain {
public:
    drain() {
        lfd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t l = sizeof a;
        if (lfd_ < 0 || ::bind(lfd_, reinterpret_cast<sockaddr*>(&a), l) < 0 || ::listen(lfd_, 1) < 0 ||
            ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&a), &l) < 0) {
            throw std::runtime_error("writev_bench: listen failed");
        }
        port_ = ntohs(a.sin_port);
        t_ = std::thread([this] {
            int fd = ::accept(lfd_, nullptr, nullptr);
            std::vector<char> buf(256 * 1024);
            while (fd >= 0 && ::read(fd, buf.data(), buf.size()) > 0) {
            }
            if (fd >= 0) ::close(fd);
        });
    }
    ~drain() {
        t_.join();
        ::close(lfd_);
    }
    std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    int lfd_ = -1;
    unsigned port_ = 0;
    std::thread t_;
};

void run(benchmark::State& state, strategy how) {
    const auto backend = state.range(0) == 0 ? af::rt::io_backend::epoll : af::rt::io_backend::io_uring;
    const auto chunk = static_cast<std::size_t>(state.range(1));
    std::optional<af::rt::runtime> rt;
    try {
        rt.emplace(af::rt::builder().current_thread().enable_all().io_backend(backend).build());
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    std::string head = "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nserver: af\r\n"
                       "date: Mon, 07 Dec 2026 12:00:00 GMT\r\ncache-control: no-cache\r\n"
                       "content-length: " + std::to_string(3 * chunk) + "\r\nconnection: keep-alive\r\n\r\n";
    std::vector<std::byte> body(3 * chunk);
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<std::byte>(i & 0xff);
    const auto h = std::as_bytes(std::span(head));
    const std::array<std::span<const std::byte>, 4> parts{h, std::span<const std::byte>(body).first(chunk),
                                                          std::span<const std::byte>(body).subspan(chunk, chunk),
                                                          std::span<const std::byte>(body).subspan(2 * chunk)};
    drain d;
    rt->block_on([&]() -> af::task<void> {
        auto conn = co_await af::net::tcp_stream::connect(af::net::socket_addr::parse(d.addr()));
        conn.set_nodelay(true);
        std::vector<std::byte> joined;
        joined.reserve(h.size() + body.size());
        for (auto _ : state) {
            switch (how) {
            case strategy::vectored: {
                std::array<af::io::io_slice, 4> s{parts[0], parts[1], parts[2], parts[3]};
                co_await conn.write_all_vectored(s);
                break;
            }
            case strategy::copy:
                joined.clear();
                for (auto p : parts) joined.insert(joined.end(), p.begin(), p.end());
                co_await conn.write_all(joined);
                break;
            case strategy::four:
                for (auto p : parts) co_await conn.write_all(p);
                break;
            }
        }
        conn.shutdown(af::net::shutdown_how::write);
    }());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(h.size() + body.size()));
    state.SetLabel(std::string(state.range(0) == 0 ? "epoll" : "io_uring"));
}

void args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"uring", "chunk"});
    for (int backend : {0, 1}) {
        for (int chunk : {1024, 16 * 1024, 64 * 1024}) b->Args({backend, chunk});
    }
}

void BM_vectored(benchmark::State& s) { run(s, strategy::vectored); }
void BM_copy_then_write(benchmark::State& s) { run(s, strategy::copy); }
void BM_four_writes(benchmark::State& s) { run(s, strategy::four); }

BENCHMARK(BM_vectored)->Apply(args);
BENCHMARK(BM_copy_then_write)->Apply(args);
BENCHMARK(BM_four_writes)->Apply(args);

}  // namespace

BENCHMARK_MAIN();

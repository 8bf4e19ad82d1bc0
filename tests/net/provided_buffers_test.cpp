// SPDX-License-Identifier: MIT
// Stream reads through io_uring's provided-buffer pool (design note 0019), next to the same
// tests on epoll and on io_uring without the pool (the fallback path): reads dropped at random
// points lose and duplicate nothing, a dry pool falls back to a buffer of the source's own, and
// no pool buffer stays held once the sources are read out or closed. Seeded: the seed is
// printed on failure and AF_TEST_SEED=<n> replays a run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "af/core/task.hpp"
#include "af/future/poll_fn.hpp"
#include "af/future/yield_now.hpp"
#include "af/io/shutdown.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/net/unix_stream.hpp"
#include "af/rt/detail/reactor.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "net/support.hpp"

namespace net_provided_buffers_test {

enum class backend { epoll, uring_pool, uring_no_pool };
using param = std::tuple<backend, af_net_test::flavor>;

std::string param_name(const ::testing::TestParamInfo<param>& info) {
    const char* b[] = {"epoll", "io_uring_pool", "io_uring_no_pool"};
    return std::string(b[static_cast<int>(std::get<0>(info.param))]) +
           (std::get<1>(info.param) == af_net_test::flavor::current_thread ? "_current_thread" : "_multi_thread");
}

std::uint32_t test_seed() {
    if (const char* e = std::getenv("AF_TEST_SEED")) return static_cast<std::uint32_t>(std::stoul(e));
    return std::random_device{}();
}

// Byte `i` of stream `k`: not periodic at any buffer size used here.
std::byte pattern(std::size_t k, std::size_t i) {
    std::size_t x = (i + k * 7919) * 2654435761u;
    return static_cast<std::byte>((x >> 13) & 0xff);
}

af::rt::detail::reactor& here() { return af::rt::detail::require_reactor("test"); }

class provided_buffers : public ::testing::TestWithParam<param> {
protected:
    void SetUp() override {
        af::rt::builder b;
        if (std::get<1>(GetParam()) == af_net_test::flavor::current_thread) {
            b.current_thread();
        } else {
            b.multi_thread().worker_threads(2);
        }
        backend k = std::get<0>(GetParam());
        b.enable_all().io_backend(k == backend::epoll ? af::rt::io_backend::epoll : af::rt::io_backend::io_uring);
        af::rt::detail::set_uring_provided_buffers(k != backend::uring_no_pool);
        try {
            rt_.emplace(b.build());
        } catch (const std::system_error& e) {
            af::rt::detail::set_uring_provided_buffers(true);
            GTEST_SKIP() << "this backend is not available here: " << e.what();
        }
        af::rt::detail::set_uring_provided_buffers(true);
        bool pool = rt_->block_on([]() -> af::task<bool> { co_return here().provided_buffers(); });
        EXPECT_EQ(pool && k != backend::uring_pool, false) << "a pool where none was asked for";
        if (k == backend::uring_pool && !pool) GTEST_SKIP() << "the kernel has no provided-buffer rings (5.19+)";
    }
    af::rt::runtime& rt() { return *rt_; }

    std::optional<af::rt::runtime> rt_;
};

// One poll of a read into a fresh heap buffer (freed when the attempt is dropped, so a kernel
// writing into a dropped read's memory would corrupt the heap: ASan, or the pattern, sees it).
struct read_attempt {
    af::net::tcp_stream* s;
    std::unique_ptr<std::byte[]> buf;
    std::size_t len;
    af::poll<std::size_t> poll(af::context& cx) { return s->poll_read(cx, std::span<std::byte>(buf.get(), len)); }
};

// Polls a read once: the bytes read, or nullopt when pending (the attempt is then dropped or
// waited for by the caller).
struct poll_once {
    using output = std::optional<std::size_t>;
    read_attempt* a;
    af::poll<output> poll(af::context& cx) {
        auto p = a->poll(cx);
        if (p.is_pending()) return output();
        return output(*p);
    }
};

// Polls a future once: true when it finished.
template <class F>
struct polled {
    using output = bool;
    F* f;
    af::poll<bool> poll(af::context& cx) { return f->poll(cx).is_ready(); }
};

af::task<void> write_stream(af::net::tcp_stream out, std::size_t total, std::uint32_t seed) {
    std::mt19937 rng(seed ^ 0x5eed);
    std::vector<std::byte> chunk;
    std::size_t at = 0;
    while (at < total) {
        std::size_t n = std::min<std::size_t>(total - at, 1 + rng() % 40'000);
        chunk.resize(n);
        for (std::size_t i = 0; i < n; ++i) chunk[i] = pattern(0, at + i);
        co_await out.write_all(std::span<const std::byte>(chunk));
        at += n;
        if (rng() % 4 == 0) co_await af::yield_now();
    }
    out.shutdown(af::net::shutdown_how::write);
}

// Reads dropped at random points (at once, after a few yields, or waited for after all) into
// buffers of random sizes below and above the pool's 16 KiB: every byte arrives once, in order.
TEST_P(provided_buffers, reads_dropped_at_random_lose_and_duplicate_nothing) {
    std::uint32_t seed = test_seed();
    SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun with AF_TEST_SEED=" + std::to_string(seed) + ")");
    rt().block_on([seed]() -> af::task<void> {
        constexpr std::size_t total = 1'500'000;
        auto [c, s] = co_await af_net_test::connected_tcp_pair();
        auto writer = af::rt::spawn(write_stream(std::move(c), total, seed));
        std::mt19937 rng(seed);
        std::size_t got = 0;
        std::optional<std::size_t> first_wrong;
        for (;;) {
            std::size_t len = rng() % 8 == 0 ? 1 + rng() % 40'000 : 1 + rng() % 3'000;
            read_attempt a{&s, std::make_unique<std::byte[]>(len), len};
            std::optional<std::size_t> n = co_await poll_once{&a};  // await-temporary: trivially destructible aggregate
            if (!n) {
                unsigned how = rng() % 3;
                if (how == 0) {
                    n = co_await af::poll_fn([&a](af::context& cx) { return a.poll(cx); });
                } else if (how == 2) {
                    for (unsigned y = rng() % 4; y > 0; --y) co_await af::yield_now();
                }
            }
            if (!n) continue;  // dropped: its buffer goes with it
            if (*n == 0) break;
            for (std::size_t i = 0; i < *n && !first_wrong; ++i) {
                if (a.buf[i] != pattern(0, got + i)) first_wrong = got + i;
            }
            got += *n;
        }
        co_await std::move(writer);
        EXPECT_EQ(got, total);
        EXPECT_FALSE(first_wrong) << "first wrong byte at " << *first_wrong;
        EXPECT_EQ(here().provided_buffers_held(), 0u);
    });
}

// More streams than the pool has buffers (128), each with a read dropped while it waits for
// data and then data sent: on io_uring the dropped reads complete anyway, the first 128 into
// pool buffers that stay held (nobody read them yet), the rest with ENOBUFS from the kernel,
// and those reads' successors read into a buffer of their own. Every stream's bytes arrive
// intact; streams read out, and streams closed with bytes unread, give their buffers back
// (three rounds).
TEST_P(provided_buffers, a_dry_pool_falls_back_and_no_buffer_stays_held) {
    const bool pool = std::get<0>(GetParam()) == backend::uring_pool;
    rt().block_on([pool]() -> af::task<void> {
        constexpr std::size_t streams = 160;
        constexpr std::size_t each = 3000;
        for (int round = 0; round < 3; ++round) {
            std::vector<std::pair<af::net::unix_stream, af::net::unix_stream>> pairs;
            pairs.reserve(streams);
            std::vector<std::byte> data(each);
            std::vector<std::byte> buf(each);
            for (std::size_t k = 0; k < streams; ++k) {
                pairs.push_back(af::net::unix_stream::pair());
                co_await af::yield_now();  // a fresh coop budget: the poll below does submit its read
                auto read = pairs.back().second.read(std::span<std::byte>(buf));
                polled<decltype(read)> once{&read};
                bool ready = co_await once;
                EXPECT_FALSE(ready) << "nothing was sent yet";
            }  // each read is dropped here, waiting (in the kernel, on io_uring)
            for (std::size_t k = 0; k < streams; ++k) {
                for (std::size_t i = 0; i < each; ++i) data[i] = pattern(k, i);
                co_await pairs[k].first.write_all(std::span<const std::byte>(data));
            }
            for (std::size_t k = 0; k < streams; ++k) {  // one byte each: the rest stays held
                std::size_t n = co_await pairs[k].second.read(std::span<std::byte>(buf.data(), 1));
                EXPECT_EQ(n, 1u);
                EXPECT_EQ(buf[0], pattern(k, 0)) << "stream " << k;
            }
            // Every pool buffer is held (128), so the last 32 reads did fall back.
            if (pool) {
                EXPECT_EQ(here().provided_buffers_held(), 128u) << "round " << round;
            }
            // Half are read out, half closed with bytes unread.
            for (std::size_t k = 0; k < streams; k += 2) {
                std::size_t at = 1;
                while (at < each) {
                    std::size_t n = co_await pairs[k].second.read(std::span<std::byte>(buf.data(), each - at));
                    if (n == 0) break;
                    for (std::size_t i = 0; i < n; ++i) {
                        if (buf[i] != pattern(k, at + i)) {
                            ADD_FAILURE() << "stream " << k << " byte " << at + i << " is wrong";
                            break;
                        }
                    }
                    at += n;
                }
                EXPECT_EQ(at, each) << "stream " << k;
            }
            pairs.clear();
            EXPECT_EQ(here().provided_buffers_held(), 0u) << "round " << round;
        }
    });
}

// write_all_vectored over af::bytes chunks on a unix_stream's write half (poll_write_bytes:
// no copy on io_uring), with empty chunks and chunks larger than the old 64 KiB copy buffer,
// and write_bytes of one chunk: the peer reads every byte once, in order.
TEST_P(provided_buffers, bytes_chunks_written_to_a_unix_write_half_arrive_in_order) {
    std::uint32_t seed = test_seed();
    SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun with AF_TEST_SEED=" + std::to_string(seed) + ")");
    rt().block_on([seed]() -> af::task<void> {
        auto [a, b] = af::net::unix_stream::pair();
        auto [r, w] = std::move(b).into_split();
        std::mt19937 rng(seed);
        std::vector<std::byte> all(1'000'000);
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = pattern(3, i);
        const af::bytes data = af::bytes::copy_from(all);
        std::vector<af::bytes> chunks;
        std::size_t at = 0;
        while (at < all.size() - 1000) {
            std::size_t n = std::min<std::size_t>(all.size() - 1000 - at, rng() % 5 == 0 ? 0 : rng() % 150'000);
            chunks.push_back(data.slice(at, at + n));
            at += n;
        }
        auto reader = af::rt::spawn([](af::net::unix_stream in) -> af::task<std::vector<std::byte>> {
            std::vector<std::byte> got;
            std::vector<std::byte> buf(20'000);
            while (std::size_t n = co_await in.read(buf)) got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
            co_return got;
        }(std::move(a)));
        co_await w.write_all_vectored(std::span<af::bytes>(chunks));
        af::bytes tail = data.slice(at, all.size());
        while (!tail.empty()) tail.advance(co_await w.write_bytes(tail));
        co_await af::io::shutdown(w);
        std::vector<std::byte> got = co_await std::move(reader);
        EXPECT_EQ(got.size(), all.size());
        EXPECT_TRUE(got == all) << "the bytes differ";
    });
}

INSTANTIATE_TEST_SUITE_P(backends, provided_buffers,
                         ::testing::Combine(::testing::Values(backend::epoll, backend::uring_pool, backend::uring_no_pool),
                                            ::testing::Values(af_net_test::flavor::current_thread,
                                                              af_net_test::flavor::multi_thread)),
                         param_name);

}  // namespace net_provided_buffers_test

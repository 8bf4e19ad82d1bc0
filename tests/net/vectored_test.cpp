// SPDX-License-Identifier: MIT
// Issue 13: vectored writes and sendfile on TCP and Unix streams, on both backends. Every test
// checks on the far side that the peer read exactly the concatenation of what was written.
#include "af/net/tcp_stream.hpp"

#include <gtest/gtest.h>
#include <limits.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <system_error>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "af/fs/file.hpp"
#include "af/io/buf_writer.hpp"
#include "af/future/poll_fn.hpp"
#include "af/io/flush.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/io_slice.hpp"
#include "af/io/write_all.hpp"
#include "af/io/write_all_vectored.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/unix_stream.hpp"
#include "af/rt/spawn.hpp"
#include "af/time/sleep.hpp"
#include "net/support.hpp"

namespace net_vectored_test {

namespace {

using af::io::io_slice;
using af::net::socket_addr;
using af::net::tcp_listener;
using af::net::tcp_stream;

static_assert(af::io::async_write_vectored<tcp_stream>);
static_assert(af::io::async_write_vectored<af::net::tcp_write_half>);
static_assert(af::io::async_write_vectored<af::net::unix_stream>);

af::task<std::pair<tcp_stream, tcp_stream>> connected_pair() { return af_net_test::connected_tcp_pair(); }

template <class S>
af::task<std::vector<std::byte>> read_all(S s) {
    std::vector<std::byte> out;
    std::vector<std::byte> buf(64 * 1024);
    while (std::size_t n = co_await s.read(buf)) out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    co_return out;
}

// `count` chunks of sizes drawn from [0, max_size] (some empty), filled with a pattern that
// differs at every offset of the concatenation.
struct chunks {
    std::vector<std::vector<std::byte>> parts;
    std::vector<std::byte> whole;
    std::vector<io_slice> slices() const {
        std::vector<io_slice> v;
        for (const auto& p : parts) v.emplace_back(std::span<const std::byte>(p));
        return v;
    }
};

chunks make_chunks(std::size_t count, std::size_t max_size, unsigned seed) {
    chunks c;
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t n = rng() % 7 == 0 ? 0 : rng() % (max_size + 1);
        std::vector<std::byte> p(n);
        for (auto& b : p) {
            b = static_cast<std::byte>((c.whole.size() * 131 + c.whole.size() / 251) & 0xff);
            c.whole.push_back(b);
        }
        c.parts.push_back(std::move(p));
    }
    return c;
}

// Writes `c` with write_all_vectored from one end of a fresh TCP pair; the other end reads.
af::task<void> check_tcp(const chunks& c) {
    auto [a, b] = co_await connected_pair();
    auto reader = af::rt::spawn(read_all(std::move(b)));
    std::vector<io_slice> s = c.slices();
    co_await a.write_all_vectored(s);
    a.shutdown(af::net::shutdown_how::write);
    std::vector<std::byte> got = co_await std::move(reader);
    EXPECT_EQ(got.size(), c.whole.size());
    EXPECT_TRUE(got == c.whole) << "the peer did not read the concatenation";
}

class vectored : public af_net_test::net_test {};

TEST_P(vectored, many_slices_arrive_as_their_concatenation) {
    chunks c = make_chunks(300, 4000, 1);
    rt().block_on(check_tcp(c));
}

TEST_P(vectored, more_slices_than_iov_max_are_written_in_several_calls) {
    chunks c = make_chunks(3 * IOV_MAX + 17, 40, 2);
    rt().block_on(check_tcp(c));
}

TEST_P(vectored, large_slices_arrive_whole) {
    chunks c = make_chunks(5, 3'000'000, 3);
    rt().block_on(check_tcp(c));
}

TEST_P(vectored, one_vectored_write_takes_several_slices_at_once) {
    rt().block_on([]() -> af::task<void> {
        auto [a, b] = co_await connected_pair();
        std::string x = "GET / HTTP/1.1\r\n", y = "host: x\r\n", z = "\r\n";
        std::array<io_slice, 3> s{io_slice(x.data(), x.size()), io_slice(y.data(), y.size()), io_slice(z.data(), z.size())};
        EXPECT_TRUE(af::io::is_write_vectored(a));
        std::size_t n = co_await af::poll_fn([&](af::context& cx) {
            return a.poll_write_vectored(cx, std::span<const io_slice>(s));
        });
        EXPECT_EQ(n, x.size() + y.size() + z.size());  // an empty socket takes all three
        a.shutdown(af::net::shutdown_how::write);
        auto got = co_await read_all(std::move(b));
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(got.data()), got.size()), x + y + z);
    }());
}

TEST_P(vectored, write_halves_and_unix_streams_write_vectored_too) {
    chunks c = make_chunks(200, 20'000, 4);
    rt().block_on([](const chunks& c) -> af::task<void> {
        auto [a, b] = co_await connected_pair();
        auto [rd, wr] = std::move(a).into_split();
        auto reader = af::rt::spawn(read_all(std::move(b)));
        std::vector<io_slice> s = c.slices();
        co_await wr.write_all_vectored(s);
        co_await af::io::shutdown(wr);
        EXPECT_TRUE(co_await std::move(reader) == c.whole);

        auto [u, v] = af::net::unix_stream::pair();
        auto ureader = af::rt::spawn(read_all(std::move(v)));
        std::vector<io_slice> s2 = c.slices();
        co_await af::io::write_all_vectored(u, std::span<io_slice>(s2));
        u.shutdown(af::net::shutdown_how::write);
        EXPECT_TRUE(co_await std::move(ureader) == c.whole);
    }(c));
}

TEST_P(vectored, buf_writer_over_tcp_sends_buffered_and_large_writes_in_order) {
    chunks c = make_chunks(400, 30'000, 5);
    rt().block_on([](const chunks& c) -> af::task<void> {
        auto [a, b] = co_await connected_pair();
        auto reader = af::rt::spawn(read_all(std::move(b)));
        af::io::buf_writer<tcp_stream&> out(a, 8192);
        for (const auto& p : c.parts) co_await af::io::write_all(out, p);
        co_await af::io::flush(out);
        a.shutdown(af::net::shutdown_how::write);
        EXPECT_TRUE(co_await std::move(reader) == c.whole);
    }(c));
}

// --- send_file ---

std::string temp_file(const char* tag, const std::vector<std::byte>& content) {
    std::string p = "/tmp/af_vectored_" + std::string(tag) + "_" + std::to_string(::getpid());
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
    return p;
}

std::vector<std::byte> file_content(std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 7 + i / 4099) & 0xff);
    return v;
}

TEST_P(vectored, send_file_serves_a_5_mb_file_byte_for_byte) {
    const auto content = file_content(5 * 1024 * 1024);
    std::string path = temp_file("whole", content);
    rt().block_on([](std::string path, const std::vector<std::byte>& content) -> af::task<void> {
        auto [a, b] = co_await connected_pair();
        auto reader = af::rt::spawn(read_all(std::move(b)));
        af::fs::file f = co_await af::fs::file::open(path);
        std::uint64_t sent = co_await a.send_file(f, 0, content.size());
        EXPECT_EQ(sent, content.size());
        a.shutdown(af::net::shutdown_how::write);
        auto got = co_await std::move(reader);
        EXPECT_EQ(got.size(), content.size());
        EXPECT_TRUE(got == content);
    }(path, content));
    std::remove(path.c_str());
}

TEST_P(vectored, send_file_past_the_end_reports_the_bytes_sent_and_does_not_hang) {
    const auto content = file_content(100'000);
    std::string path = temp_file("ends", content);
    rt().block_on([](std::string path, const std::vector<std::byte>& content) -> af::task<void> {
        auto [a, b] = co_await connected_pair();
        auto reader = af::rt::spawn(read_all(std::move(b)));
        af::fs::file f = co_await af::fs::file::open(path);
        // From the middle, asking for more than is left: the rest of the file.
        EXPECT_EQ(co_await a.send_file(f, 60'000, 1'000'000), 40'000u);
        // At and past the end: nothing, at once.
        EXPECT_EQ(co_await a.send_file(f, 100'000, 10), 0u);
        EXPECT_EQ(co_await a.send_file(f, 5'000'000, 10), 0u);
        // A range inside the file; the file's own position never moved.
        EXPECT_EQ(co_await a.send_file(f, 10, 20), 20u);
        a.shutdown(af::net::shutdown_how::write);
        auto got = co_await std::move(reader);
        std::vector<std::byte> want(content.begin() + 60'000, content.end());
        want.insert(want.end(), content.begin() + 10, content.begin() + 30);
        EXPECT_TRUE(got == want) << got.size() << " bytes";
    }(path, content));
    std::remove(path.c_str());
}

TEST_P(vectored, send_file_works_on_a_unix_stream) {
    const auto content = file_content(1'000'000);
    std::string path = temp_file("unix", content);
    rt().block_on([](std::string path, const std::vector<std::byte>& content) -> af::task<void> {
        auto [u, v] = af::net::unix_stream::pair();
        auto reader = af::rt::spawn(read_all(std::move(v)));
        af::fs::file f = co_await af::fs::file::open(path);
        EXPECT_EQ(co_await u.send_file(f, 0, content.size()), content.size());
        u.shutdown(af::net::shutdown_how::write);
        EXPECT_TRUE(co_await std::move(reader) == content);
    }(path, content));
    std::remove(path.c_str());
}

// As another write would (write_once_test): on io_uring a write dropped while in the kernel goes
// out anyway, and file bytes must not follow bytes the program believes unsent.
TEST_P(vectored, send_file_after_a_dropped_write_that_went_out_fails_on_io_uring) {
    const bool uring = std::get<0>(GetParam()) == af::rt::io_backend::io_uring;
    const auto content = file_content(1000);
    std::string path = temp_file("dropped", content);
    rt().block_on([](std::string path, bool uring) -> af::task<void> {
        auto [a, b] = co_await connected_pair();
        std::vector<std::byte> ones(64 * 1024, std::byte{1});
        std::size_t accepted = 0;
        for (;;) {  // fill the socket until a write stays pending, then drop it
            bool pending = false;
            std::size_t n = co_await af::poll_fn([&](af::context& cx) -> af::poll<std::size_t> {
                auto p = a.poll_write(cx, ones);
                if (p.is_pending()) {
                    pending = true;
                    return std::size_t{0};
                }
                return p;
            });
            if (pending) break;
            accepted += n;
        }
        auto reader = af::rt::spawn(read_all(std::move(b)));
        co_await af::time::sleep(std::chrono::milliseconds(50));  // the dropped write completes
        af::fs::file f = co_await af::fs::file::open(path);
        bool failed = false;
        try {
            EXPECT_EQ(co_await a.send_file(f, 0, 1000), 1000u);
        } catch (const std::system_error& e) {
            failed = true;
            EXPECT_EQ(e.code().value(), EIO) << e.what();
        }
        a.shutdown(af::net::shutdown_how::write);
        auto got = co_await std::move(reader);
        EXPECT_EQ(failed, uring);
        if (!uring) {
            EXPECT_EQ(got.size(), accepted + 1000);
        }
    }(path, uring));
    std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(backends, vectored, af_net_test::all_params(), af_net_test::param_name);

}  // namespace

}  // namespace net_vectored_test

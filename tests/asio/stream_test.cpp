// SPDX-License-Identifier: MIT
#include "af/asio/stream.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/io/duplex.hpp"
#include "af/io/flush.hpp"
#include "af/io/read.hpp"
#include "af/io/read_exact.hpp"
#include "af/io/read_to_end.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/net/tcp_listener.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/rt/runtime.hpp"
#include "af/test/wake_counter.hpp"

namespace asio_stream_test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using local_socket = asio::local::stream_protocol::socket;

static_assert(af::io::async_read<af::asio::stream<asio::ip::tcp::socket>>);
static_assert(af::io::async_write<af::asio::stream<asio::ip::tcp::socket>>);
static_assert(af::io::async_read<af::asio::stream<local_socket>>);

// An io_context run by its own thread until the fixture goes.
struct io_thread {
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::thread t{[this] { ioc.run(); }};
    ~io_thread() {
        guard.reset();
        ioc.stop();
        t.join();
    }
};

// Runs a coroutine lambda to completion on this thread (the lambda outlives its frame here).
template <class F>
auto run(F f) {
    return af::block_on(f());
}

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
std::string text_of(std::span<const std::byte> b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// ---- an Asio stream seen by af: af::asio::stream<S> ----

struct asio_pair {
    io_thread io;
    std::optional<local_socket> ours{std::in_place, io.ioc};
    local_socket peer{io.ioc};  // used with blocking calls from the test thread only
    asio_pair() { asio::local::connect_pair(*ours, peer); }
};

TEST(asio_stream_adaptor, af_reads_and_writes_over_an_asio_socket) {
    asio_pair p;
    af::asio::stream s(std::move(*p.ours));
    asio::write(p.peer, asio::buffer(std::string_view("hello, af")));
    std::string got = run([&]() -> af::task<std::string> {
        std::array<std::byte, 9> buf{};
        co_await af::io::read_exact(s, buf);
        co_await af::io::write_all(s, bytes_of("and back"));
        co_await af::io::flush(s);
        co_return text_of(buf);
    });
    EXPECT_EQ(got, "hello, af");
    std::array<char, 8> back{};
    asio::read(p.peer, asio::buffer(back));
    EXPECT_EQ(std::string_view(back.data(), back.size()), "and back");
}

TEST(asio_stream_adaptor, asio_eof_is_a_zero_byte_read_and_stays_so) {
    asio_pair p;
    af::asio::stream s(std::move(*p.ours));
    asio::write(p.peer, asio::buffer(std::string_view("last")));
    p.peer.shutdown(asio::socket_base::shutdown_send);
    auto [all, again] = run([&]() -> af::task<std::pair<std::string, std::size_t>> {
        std::vector<std::byte> v;
        co_await af::io::read_to_end(s, v);
        std::array<std::byte, 4> buf{};
        std::size_t n = co_await af::io::read(s, buf);
        co_return std::pair(text_of(v), n);
    });
    EXPECT_EQ(all, "last");
    EXPECT_EQ(again, 0u);
}

TEST(asio_stream_adaptor, af_shutdown_is_eof_for_the_asio_peer) {
    asio_pair p;
    af::asio::stream s(std::move(*p.ours));
    run([&]() -> af::task<void> {
        co_await af::io::write_all(s, bytes_of("bye"));
        co_await af::io::shutdown(s);
    });
    std::array<char, 16> buf{};
    boost::system::error_code ec;
    std::size_t n = asio::read(p.peer, asio::buffer(buf), ec);
    EXPECT_EQ(n, 3u);
    EXPECT_EQ(ec, asio::error::eof);
}

TEST(asio_stream_adaptor, a_dropped_read_loses_no_bytes) {
    asio_pair p;
    af::asio::stream s(std::move(*p.ours));
    af::test::wake_counter wc;
    {
        // A read the caller gives up on (a lost select, a timeout): its buffer goes with it.
        auto caller_buf = std::make_unique<std::array<std::byte, 8>>();
        auto f = af::io::read(s, *caller_buf);
        af::context cx(wc.waker());
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    asio::write(p.peer, asio::buffer(std::string_view("kept")));
    for (auto deadline = std::chrono::steady_clock::now() + 10s; wc.count() == 0;) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the Asio read never completed";
        std::this_thread::sleep_for(1ms);
    }
    std::string got = run([&]() -> af::task<std::string> {
        std::array<std::byte, 4> buf{};
        co_await af::io::read_exact(s, buf);
        co_return text_of(buf);
    });
    EXPECT_EQ(got, "kept");
}

TEST(asio_stream_adaptor, dropping_the_adaptor_mid_read_cancels_and_closes_the_socket) {
    asio_pair p;
    {
        af::asio::stream s(std::move(*p.ours));
        af::test::wake_counter wc;
        std::array<std::byte, 8> buf{};
        auto g = af::io::read(s, buf);
        af::context cx(wc.waker());
        EXPECT_TRUE(g.poll(cx).is_pending());
    }  // the read's buffer is the adaptor's: ASan sees no write into freed memory
    // The socket is closed on its executor: the peer sees end of stream.
    std::array<char, 4> buf{};
    boost::system::error_code ec;
    asio::read(p.peer, asio::buffer(buf), ec);
    EXPECT_EQ(ec, asio::error::eof);
}

TEST(asio_stream_adaptor, short_caller_buffers_get_the_rest_of_a_read_in_order) {
    asio_pair p;
    af::asio::stream s(std::move(*p.ours), 64);
    asio::write(p.peer, asio::buffer(std::string_view("abcdefgh")));
    std::string got = run([&]() -> af::task<std::string> {
        std::string out;
        while (out.size() < 8) {
            std::array<std::byte, 3> buf{};
            std::size_t n = co_await af::io::read(s, buf);
            out += text_of(std::span(buf).first(n));
        }
        co_return out;
    });
    EXPECT_EQ(got, "abcdefgh");
}

TEST(asio_stream_adaptor, a_write_larger_than_the_buffer_is_sent_in_pieces) {
    asio_pair p;
    af::asio::stream s(std::move(*p.ours), 100);
    std::string big(10000, 'x');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    std::string got(big.size(), '\0');
    std::thread reader([&] { asio::read(p.peer, asio::buffer(got)); });
    run([&]() -> af::task<void> {
        co_await af::io::write_all(s, bytes_of(big));
        co_await af::io::flush(s);
    });
    reader.join();
    EXPECT_EQ(got, big);
}

TEST(asio_stream_adaptor, a_send_error_throws_from_the_next_call) {
    asio_pair p;
    af::asio::stream s(std::move(*p.ours));
    p.peer.close();
    EXPECT_THROW(run([&]() -> af::task<void> {
                     for (int i = 0; i < 100; ++i) {
                         co_await af::io::write_all(s, bytes_of("into a closed socket"));
                         co_await af::io::flush(s);
                     }
                 }),
                 std::system_error);
}

// ---- an af stream seen by Asio: af::asio::asio_stream<T> ----

// The error an Asio operation completes with, waited for on this thread. A callback rather
// than asio::use_future: an exception handed across threads through libstdc++'s (uninstrumented)
// exception_ptr looks like a race to TSan.
template <class Start>
boost::system::error_code error_of(Start start) {
    std::promise<boost::system::error_code> p;
    start([&p](boost::system::error_code ec, std::size_t) { p.set_value(ec); });
    return p.get_future().get();
}

TEST(asio_stream_bridge, asio_async_write_and_read_run_over_an_af_stream) {
    io_thread io;
    auto [a, b] = af::io::duplex(64);
    af::asio::asio_stream s(std::move(a), io.ioc.get_executor());
    std::string msg(1000, 'm');  // larger than the pipe: several writes
    std::thread af_side([&, b = std::move(b)]() mutable {
        run([&]() -> af::task<void> {
            std::vector<std::byte> v(msg.size());
            co_await af::io::read_exact(b, v);
            co_await af::io::write_all(b, v);
            co_await af::io::shutdown(b);
        });
    });
    std::size_t wrote = asio::async_write(s, asio::buffer(msg), asio::use_future).get();
    EXPECT_EQ(wrote, msg.size());
    std::string back(msg.size(), '\0');
    std::size_t read = asio::async_read(s, asio::buffer(back), asio::use_future).get();
    af_side.join();
    EXPECT_EQ(read, msg.size());
    EXPECT_EQ(back, msg);
    // af's end of stream is Asio's eof.
    std::array<char, 4> more{};
    EXPECT_EQ(error_of([&](auto h) { s.async_read_some(asio::buffer(more), std::move(h)); }), asio::error::eof);
}

TEST(asio_stream_bridge, empty_buffers_complete_at_once_with_zero) {
    io_thread io;
    auto [a, b] = af::io::duplex(8);
    af::asio::asio_stream s(std::move(a), io.ioc.get_executor());
    EXPECT_EQ(s.async_read_some(asio::mutable_buffer(), asio::use_future).get(), 0u);
    EXPECT_EQ(s.async_write_some(asio::const_buffer(), asio::use_future).get(), 0u);
}

TEST(asio_stream_bridge, a_cancelled_read_completes_aborted_and_consumes_nothing) {
    io_thread io;
    auto [a, b] = af::io::duplex(64);
    af::asio::asio_stream s(std::move(a), io.ioc.get_executor());
    asio::cancellation_signal sig;
    std::array<char, 8> buf{};
    std::promise<std::pair<boost::system::error_code, std::size_t>> done;
    asio::post(io.ioc, [&] {
        s.async_read_some(asio::buffer(buf),
                          asio::bind_cancellation_slot(sig.slot(), [&](boost::system::error_code ec, std::size_t n) {
                              done.set_value({ec, n});
                          }));
    });
    std::this_thread::sleep_for(20ms);  // let it wait for bytes (it fails the same way if not)
    asio::post(io.ioc, [&] { sig.emit(asio::cancellation_type::terminal); });  // emit on the executor
    auto [ec, n] = done.get_future().get();
    EXPECT_EQ(ec, asio::error::operation_aborted);
    EXPECT_EQ(n, 0u);
    run([&]() -> af::task<void> { co_await af::io::write_all(b, bytes_of("next")); });
    std::array<char, 4> next{};
    asio::async_read(s, asio::buffer(next), asio::use_future).get();
    EXPECT_EQ(std::string_view(next.data(), 4), "next");
}

TEST(asio_stream_bridge, writes_to_a_closed_af_peer_fail_with_broken_pipe) {
    io_thread io;
    auto [a, b] = af::io::duplex(8);
    af::asio::asio_stream s(std::move(a), io.ioc.get_executor());
    { auto gone = std::move(b); }
    auto ec = error_of([&](auto h) { asio::async_write(s, asio::buffer(std::string_view("x")), std::move(h)); });
    EXPECT_EQ(ec, boost::system::errc::broken_pipe);
}

// Beast speaking HTTP/1.1 on both ends of an af TCP connection; af's runtime drives the
// sockets, an io_context runs Beast.
TEST(asio_stream_bridge, beast_request_and_response_round_trip_over_af_tcp) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(1).enable_all().build();
    auto [client_conn, server_conn] = rt.block_on([]() -> af::task<std::pair<af::net::tcp_stream, af::net::tcp_stream>> {
        auto l = af::net::tcp_listener::bind(af::net::socket_addr::v4_loopback());
        auto c = co_await af::net::tcp_stream::connect(l.local_addr());
        auto accepted = co_await l.accept();
        co_return std::pair(std::move(c), std::move(accepted.first));
    });
    io_thread io;
    af::asio::asio_stream client(std::move(client_conn), io.ioc.get_executor());
    af::asio::asio_stream server(std::move(server_conn), io.ioc.get_executor());

    std::promise<std::string> served;
    boost::beast::flat_buffer sbuf;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    http::async_read(server, sbuf, req, [&](boost::system::error_code ec, std::size_t) {
        if (ec) return served.set_value("read failed: " + ec.message());
        res = http::response<http::string_body>(http::status::ok, 11);
        res.set(http::field::content_type, "text/plain");
        res.body() = "echo " + std::string(req.target()) + " " + req.body();
        res.prepare_payload();
        http::async_write(server, res, [&](boost::system::error_code ec2, std::size_t) {
            served.set_value(ec2 ? "write failed: " + ec2.message() : std::string(req.target()));
        });
    });

    http::request<http::string_body> out(http::verb::post, "/chat", 11);
    out.set(http::field::host, "localhost");
    out.body() = "over af";
    out.prepare_payload();
    http::async_write(client, out, asio::use_future).get();
    boost::beast::flat_buffer cbuf;
    http::response<http::string_body> got;
    http::async_read(client, cbuf, got, asio::use_future).get();
    EXPECT_EQ(served.get_future().get(), "/chat");
    EXPECT_EQ(got.result(), http::status::ok);
    EXPECT_EQ(got.body(), "echo /chat over af");
    // Destroy the af sockets on Asio's thread after its last operation, before the runtime.
    asio::post(io.ioc, asio::use_future).get();
}

}  // namespace asio_stream_test

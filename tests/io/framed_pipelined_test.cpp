// SPDX-License-Identifier: MIT
// Reply batching (issue 22): af::io::send_pipelined queues replies while more requests are
// already received and flushes when none is, so pipelined requests get one write; a lone
// request is answered at once; a malformed request does not hold back earlier replies.
#include "af/io/send_pipelined.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/join.hpp"
#include "af/io/duplex.hpp"
#include "af/io/error.hpp"
#include "af/io/framed.hpp"
#include "af/io/lines_codec.hpp"
#include "af/io/read.hpp"
#include "af/io/shutdown.hpp"
#include "af/io/write_all.hpp"
#include "af/sink/send.hpp"
#include "af/stream/next.hpp"
#include "af/test/mock_task.hpp"

namespace io_framed_pipelined_test {

// A duplex end that counts the writes reaching it.
struct counting_io {
    af::io::duplex_stream s;
    int* writes;
    af::poll<std::size_t> poll_read(af::context& cx, std::span<std::byte> b) { return s.poll_read(cx, b); }
    af::poll<std::size_t> poll_write(af::context& cx, std::span<const std::byte> b) {
        ++*writes;
        return s.poll_write(cx, b);
    }
    af::poll<void> poll_flush(af::context& cx) { return s.poll_flush(cx); }
    af::poll<void> poll_shutdown(af::context& cx) { return s.poll_shutdown(cx); }
};

using conn_t = af::io::framed<counting_io, af::io::lines_codec>;

std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// Echoes every line as "+line" until the client closes; `batched` picks the reply path.
af::task<void> echo(conn_t& conn, bool batched) {
    while (auto line = co_await af::next(conn)) {
        std::string reply = "+" + *line;
        if (batched) {
            co_await af::io::send_pipelined(conn, std::move(reply));
        } else {
            co_await af::sinks::send(conn, std::move(reply));
        }
    }
}

int writes_for_pipelined_requests(bool batched) {
    auto [client, server] = af::io::duplex(1 << 16);
    int writes = 0;
    conn_t conn(counting_io{std::move(server), &writes}, af::io::lines_codec(64));
    auto body = [&]() -> af::task<std::string> {
        std::string reqs;
        for (int i = 0; i < 16; ++i) reqs += "get k" + std::to_string(i) + "\n";
        auto req_bytes = as_bytes(reqs);
        co_await af::io::write_all(client, req_bytes);
        co_await af::io::shutdown(client);
        co_await echo(conn, batched);
        std::string got(4096, '\0');
        auto buf = std::as_writable_bytes(std::span(got));
        std::size_t n = co_await af::io::read(client, buf);
        got.resize(n);
        co_return got;
    };
    std::string got = af::block_on(body());
    EXPECT_EQ(got.substr(0, 8), "+get k0\n");
    EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 16);
    return writes;
}

TEST(framed_pipelined, sixteen_pipelined_requests_get_one_write_instead_of_sixteen) {
    EXPECT_EQ(writes_for_pipelined_requests(false), 16);
    EXPECT_EQ(writes_for_pipelined_requests(true), 1);
}

TEST(framed_pipelined, a_lone_request_is_answered_before_the_next_arrives) {
    auto [client, server] = af::io::duplex(1024);
    int writes = 0;
    conn_t conn(counting_io{std::move(server), &writes}, af::io::lines_codec(64));
    af::test::mock_task<> t;
    auto send = [&](std::string_view s) {
        auto b = as_bytes(s);
        auto p = t.enter([&](af::context& cx) { return client.poll_write(cx, b); });
        ASSERT_EQ(af::test::assert_ready(std::move(p)), s.size());
    };
    auto read_reply = [&]() {
        std::string got(64, '\0');
        auto p = t.enter([&](af::context& cx) { return client.poll_read(cx, std::as_writable_bytes(std::span(got))); });
        got.resize(af::test::assert_ready(std::move(p)));
        return got;
    };
    af::test::mock_task server_task(echo(conn, true));
    af::test::assert_pending(server_task.poll());
    send("a\n");
    af::test::assert_pending(server_task.poll());
    EXPECT_EQ(read_reply(), "+a\n") << "a reply waited for a request that had not come";
    send("b\nc\n");
    af::test::assert_pending(server_task.poll());
    EXPECT_EQ(read_reply(), "+b\n+c\n");
    EXPECT_EQ(writes, 2);
}

TEST(framed_pipelined, a_malformed_request_is_thrown_after_the_earlier_replies_are_flushed) {
    auto [client, server] = af::io::duplex(1024);
    int writes = 0;
    conn_t conn(counting_io{std::move(server), &writes}, af::io::lines_codec(8));
    auto body = [&]() -> af::task<std::string> {
        std::string reqs = "ok\n" + std::string(40, 'x') + "\n";
        auto req_bytes = as_bytes(reqs);
        co_await af::io::write_all(client, req_bytes);
        bool threw = false;
        try {
            co_await echo(conn, true);
        } catch (const af::io::frame_error&) {
            threw = true;
        }
        EXPECT_TRUE(threw);
        std::string got(64, '\0');
        auto buf = std::as_writable_bytes(std::span(got));
        std::size_t n = co_await af::io::read(client, buf);
        got.resize(n);
        co_return got;
    };
    EXPECT_EQ(af::block_on(body()), "+ok\n");
}

}  // namespace io_framed_pipelined_test

// SPDX-License-Identifier: MIT
// A response head and body in one vectored write, then a file with sendfile(2).
#include <af/fs/file.hpp>
#include <af/fs/ops.hpp>
#include <af/io/io_slice.hpp>
#include <af/net.hpp>
#include <af/rt.hpp>

#include <unistd.h>

#include <array>
#include <cassert>
#include <string>

// Head and body are separate buffers; one sendmsg sends both, without copying them together.
af::task<void> respond(af::net::tcp_stream& conn, std::string_view body) {
    std::string head = "HTTP/1.1 200 OK\r\ncontent-length: " + std::to_string(body.size()) + "\r\n\r\n";
    std::array<af::io::io_slice, 2> parts{af::io::io_slice(head.data(), head.size()),
                                          af::io::io_slice(body.data(), body.size())};
    co_await conn.write_all_vectored(parts);  // advances `parts` over short writes
}

// The file goes from the page cache to the socket: no read() into our memory.
af::task<std::uint64_t> serve_file(af::net::tcp_stream& conn, const std::string& path) {
    af::fs::file f = co_await af::fs::file::open(path);
    co_return co_await conn.send_file(f, 0, 1 << 20);  // asks for 1 MiB; the file is shorter
}

af::task<std::string> read_all(af::net::tcp_stream& conn) {
    std::string out;
    char buf[4096];
    while (std::size_t n = co_await conn.read(std::as_writable_bytes(std::span(buf)))) out.append(buf, n);
    co_return out;
}

int main() {
    std::string path = "/tmp/af_sample_send_file_" + std::to_string(::getpid());
    af::rt::runtime rt = af::rt::builder().enable_all().build();
    rt.block_on([](std::string path) -> af::task<void> {
        co_await af::fs::write(path, std::string(10000, 'f'));
        auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
        auto client = af::rt::spawn([](af::net::socket_addr a) -> af::task<std::string> {
            auto conn = co_await af::net::tcp_stream::connect(a);
            co_return co_await read_all(conn);
        }(listener.local_addr()));
        auto [conn, peer] = co_await listener.accept();
        co_await respond(conn, "hello");
        std::uint64_t sent = co_await serve_file(conn, path);
        assert(sent == 10000);  // the bytes actually sent: the file ended first
        conn.shutdown(af::net::shutdown_how::write);
        std::string got = co_await std::move(client);
        assert(got == "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello" + std::string(10000, 'f'));
        co_await af::fs::remove_file(path);
    }(path));
}

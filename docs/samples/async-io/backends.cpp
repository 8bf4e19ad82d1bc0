// SPDX-License-Identifier: MIT
// The same program on both I/O backends: a pipe between a child process and us, and a TCP
// round trip over loopback. Only the builder line differs.
#include <af/net.hpp>
#include <af/process.hpp>
#include <af/rt.hpp>

#include <cassert>
#include <cstdio>
#include <string>
#include <system_error>

af::task<std::string> round_trip() {
    // A child process writes to a pipe that the reactor watches.
    af::process::output out = co_await af::process::command("echo").arg("from a child").output();
    std::string text(reinterpret_cast<const char*>(out.stdout_bytes.data()), out.stdout_bytes.size());

    // A TCP connection to ourselves.
    auto listener = af::net::tcp_listener::bind(af::net::socket_addr::parse("127.0.0.1:0"));
    auto client = af::rt::spawn([addr = listener.local_addr(), text]() -> af::task<void> {
        af::net::tcp_stream c = co_await af::net::tcp_stream::connect(addr);
        co_await c.write_all(text);
    });
    auto accepted = co_await listener.accept();
    af::net::tcp_stream& server_side = accepted.first;
    std::string got;
    char buf[64];
    for (;;) {
        std::size_t n = co_await server_side.read(std::as_writable_bytes(std::span(buf)));
        if (n == 0) break;
        got.append(buf, n);
    }
    co_await std::move(client);
    co_return got;
}

int main() {
    for (af::rt::io_backend b : {af::rt::io_backend::epoll, af::rt::io_backend::io_uring}) {
        const char* name = b == af::rt::io_backend::epoll ? "epoll" : "io_uring";
        try {
            af::rt::runtime rt = af::rt::builder().current_thread().enable_all().io_backend(b).build();
            std::string got = rt.block_on(round_trip());
            assert(got == "from a child\n");
            std::printf("%s: ok\n", name);
        } catch (const std::system_error& e) {
            // io_uring can be switched off by the administrator (kernel.io_uring_disabled).
            std::printf("%s: not available here (%s)\n", name, e.what());
        }
    }
}

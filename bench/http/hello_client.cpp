// SPDX-License-Identifier: MIT
/// \file
/// A fixed-count client for the callgrind rows of bench/http/run.py: N sequential
/// `GET /` requests over one keep-alive connection, each answer checked for its status line
/// and its "Hello, World!" body. The server runs under callgrind; run.py takes the difference
/// of two counts (N and 2N requests) so that start-up and shutdown cancel out.
///
///     http_hello_client <host> <port> <n>     exit 0 when all n answers were right
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: http_hello_client <host> <port> <n>\n");
        return 2;
    }
    long n = std::atol(argv[3]);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<unsigned short>(std::atoi(argv[2])));
    ::inet_pton(AF_INET, argv[1], &sa.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        std::perror("connect");
        return 1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const std::string_view req = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
    std::string in;
    char buf[4096];
    for (long i = 0; i < n; ++i) {
        if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) return 1;
        // One answer: a head, then a 13-byte body (Content-Length: 13, checked below).
        for (;;) {
            auto end = in.find("\r\n\r\n");
            if (end != std::string::npos && in.size() >= end + 4 + 13) {
                std::string_view head(in.data(), end);
                std::string_view body(in.data() + end + 4, 13);
                if (!head.starts_with("HTTP/1.1 200") || body != "Hello, World!" ||
                    head.find("ontent-") == std::string_view::npos) {
                    std::fprintf(stderr, "bad answer %ld: %s\n", i, in.c_str());
                    return 1;
                }
                in.erase(0, end + 4 + 13);
                break;
            }
            ssize_t r = ::read(fd, buf, sizeof buf);
            if (r <= 0) {
                std::fprintf(stderr, "connection closed after %ld answers\n", i);
                return 1;
            }
            in.append(buf, static_cast<std::size_t>(r));
        }
    }
    ::close(fd);
    return 0;
}

// SPDX-License-Identifier: MIT
/// \file
/// The Beast-style file server ported to af::http: same command line, same answers (see
/// files_common.hpp), different shape. The connection loop (read, keep-alive, write, the
/// timeouts) belongs to af::http's server; what is left is one coroutine per request, and
/// the file is streamed from af::fs in 64 KiB chunks, each read once the previous one left.
///
///     beast_files_af ADDRESS PORT DOC_ROOT THREADS
///
/// Prints "listening on PORT" once it accepts (PORT 0 picks a free one).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <system_error>

#include "af/bytes/bytes_mut.hpp"
#include "af/fs/file.hpp"
#include "af/http.hpp"
#include "af/io/read.hpp"
#include "af/rt/runtime.hpp"
#include "af/stream/async_generator.hpp"
#include "files_common.hpp"

namespace {

namespace http = af::http;

http::response text_response(http::status s, std::string body) {
    http::response r(s, std::move(body));
    r.headers().append(http::header::content_type, "text/html");
    return r;
}

// The file, `size` bytes of it, a chunk at a time as the connection asks for the next.
af::async_generator<af::bytes> file_chunks(af::fs::file f, std::uint64_t size) {
    constexpr std::size_t chunk = 64 * 1024;
    while (size > 0) {
        af::bytes_mut buf;
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, chunk));
        buf.reserve(want);
        std::size_t n = co_await af::io::read(f, buf.spare_capacity().first(want));
        if (n == 0) throw std::runtime_error("file shrank while being served");  // cut, not short
        buf.advance_mut(n);
        size -= n;
        co_yield std::move(buf).freeze();
    }
}

struct file_service {
    std::shared_ptr<const std::string> root;

    af::task<http::response> operator()(http::request req) const {
        if (req.method() != http::method::get && req.method() != http::method::head) {
            co_return text_response(http::status::bad_request, "Unknown HTTP-method");
        }
        if (auto why = beast_files::refuse_target(req.target()); !why.empty()) {
            co_return text_response(http::status::bad_request, std::string(why));
        }
        std::string path = beast_files::file_path(*root, req.target());
        std::error_code ec;
        std::uint64_t size = 0;
        std::optional<af::fs::file> f;
        try {
            auto opening = af::fs::file::open(path);
            f.emplace(co_await std::move(opening));
            auto stat = f->metadata();
            size = (co_await std::move(stat)).size;
        } catch (const std::system_error& e) {
            ec = e.code();
        }
        if (ec == std::errc::no_such_file_or_directory) {
            co_return text_response(http::status::not_found, beast_files::not_found_text(req.target()));
        }
        if (ec) co_return text_response(http::status::internal_server_error, beast_files::server_error_text(ec.message()));
        // A HEAD response carries the length; its body is never polled, so the file is not read.
        http::response r(http::status::ok, http::body::from_stream(file_chunks(std::move(*f), size), size));
        r.headers().append(http::header::content_type, beast_files::mime_type(path));
        co_return r;
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s ADDRESS PORT DOC_ROOT THREADS\n", argv[0]);
        return 2;
    }
    try {
        auto addr = af::net::socket_addr::parse(std::string(argv[1]) + ":" + argv[2]);
        const int threads = std::max(1, std::atoi(argv[4]));
        http::server_options opts;
        opts.keep_alive_timeout = std::chrono::seconds(30);  // the original's 30 s per read
        af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(static_cast<std::size_t>(threads)).enable_all().build();
        rt.block_on([&]() -> af::task<void> {
            auto srv = http::server::bind(addr, file_service{std::make_shared<const std::string>(argv[3])}, opts);
            std::printf("listening on %u\n", static_cast<unsigned>(srv.local_addr().port()));
            std::fflush(stdout);
            co_await srv.run();
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 1;
    }
}

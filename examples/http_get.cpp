// SPDX-License-Identifier: MIT
/// \file
/// A curl-like HTTP/1.1 client: fetches a URL with af::http::client and streams the body.
///
///     http_get URL [-I] [-o FILE] [-H 'Name: value']...
///     http_get -o out.bin http://127.0.0.1:8080/world
///
/// Prints the status line and the response fields on stderr, then a progress line (bytes
/// received, of how many when the server said, and the rate) updated as chunks arrive, and the
/// body on stdout, or into FILE with `-o`, as it arrives: nothing is held beyond one read
/// buffer, so a large download does not grow the process (with `-o`, each chunk is handed to
/// af::fs::file, written on the blocking pool while the next one is read). `-I` sends HEAD;
/// `-H` adds a request field. Exits 0 for a 2xx or 3xx status, 1 otherwise, 2 on a usage,
/// connection or file error (with its message).
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "af/fs/file.hpp"
#include "af/http.hpp"
#include "af/http/client.hpp"
#include "af/io/flush.hpp"
#include "af/io/write_all.hpp"
#include "af/rt/runtime.hpp"
#include "af/stream/next.hpp"

namespace {

struct args {
    std::string url;
    std::string out;  // -o: a file instead of stdout
    bool head = false;
    std::vector<std::pair<std::string, std::string>> fields;
};

void progress(std::uint64_t got, std::optional<std::uint64_t> total, std::chrono::steady_clock::time_point start, bool last) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double rate = secs > 0 ? static_cast<double>(got) / secs / 1024.0 : 0.0;
    if (total) {
        std::fprintf(stderr, "\r%llu / %llu bytes (%3.0f%%), %.0f KiB/s%s", static_cast<unsigned long long>(got),
                     static_cast<unsigned long long>(*total), *total ? 100.0 * static_cast<double>(got) / static_cast<double>(*total) : 100.0,
                     rate, last ? "\n" : "");
    } else {
        std::fprintf(stderr, "\r%llu bytes, %.0f KiB/s%s", static_cast<unsigned long long>(got), rate, last ? "\n" : "");
    }
}

af::task<int> fetch(args a) {
    std::optional<af::fs::file> file;  // opened first: a bad path fails before any request
    if (!a.out.empty()) {
        auto creating = af::fs::file::create(a.out);
        file.emplace(co_await std::move(creating));
    }
    af::http::client client;
    af::http::request req(a.head ? af::http::method::head : af::http::method::get, a.url);
    req.headers().append(af::http::header::user_agent, "af-http_get/0.1");
    for (const auto& [n, v] : a.fields) req.headers().append(af::http::header_name::from(n), v);
    auto sending = client.send(std::move(req));
    af::http::response r = co_await std::move(sending);

    std::fprintf(stderr, "%s %u %s\n", std::string(af::http::to_string(r.version())).c_str(), af::http::code(r.status()),
                 std::string(af::http::reason_phrase(r.status())).c_str());
    for (const auto& [name, value] : r.headers()) {
        std::fprintf(stderr, "%s: %s\n", std::string(name.str()).c_str(), value.c_str());
    }
    std::fprintf(stderr, "\n");

    const auto start = std::chrono::steady_clock::now();
    auto last_print = start;
    std::uint64_t got = 0;
    const std::optional<std::uint64_t> total = r.body().length();
    for (;;) {
        auto next = af::next(r.body());
        std::optional<af::bytes> chunk = co_await next;
        if (!chunk) break;
        if (file) {
            auto w = af::io::write_all(*file, std::span<const std::byte>(chunk->data(), chunk->size()));
            co_await std::move(w);
        } else {
            std::fwrite(chunk->data(), 1, chunk->size(), stdout);
        }
        got += chunk->size();
        auto now = std::chrono::steady_clock::now();
        if (now - last_print >= std::chrono::milliseconds(100)) {  // not a line per chunk
            progress(got, total, start, false);
            last_print = now;
        }
    }
    if (file) {
        auto flushing = af::io::flush(*file);  // the last write reached the kernel, or its error throws
        co_await std::move(flushing);
    }
    std::fflush(stdout);
    progress(got, total, start, true);
    for (const auto& [name, value] : r.body().trailers()) {
        std::fprintf(stderr, "trailer %s: %s\n", std::string(name.str()).c_str(), value.c_str());
    }
    co_return af::http::code(r.status()) < 400 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    args a;
    for (int i = 1; i < argc; ++i) {
        std::string_view s = argv[i];
        if (s == "-I") {
            a.head = true;
        } else if (s == "-o" && i + 1 < argc) {
            a.out = argv[++i];
        } else if (s == "-H" && i + 1 < argc) {
            std::string_view f = argv[++i];
            auto colon = f.find(':');
            if (colon == std::string_view::npos) {
                std::fprintf(stderr, "http_get: -H wants 'Name: value', got '%s'\n", argv[i]);
                return 2;
            }
            std::string_view v = f.substr(colon + 1);
            while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
            a.fields.emplace_back(std::string(f.substr(0, colon)), std::string(v));
        } else if (a.url.empty()) {
            a.url = s;
        } else {
            a.url.clear();
            break;
        }
    }
    if (a.url.empty()) {
        std::fprintf(stderr, "usage: http_get URL [-I] [-o FILE] [-H 'Name: value']...\n");
        return 2;
    }
    try {
        auto rt = af::rt::builder().current_thread().enable_all().build();
        return rt.block_on(fetch(std::move(a)));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_get: %s\n", e.what());
        return 2;
    }
}

// SPDX-License-Identifier: MIT
/// \file
/// A static file server on af::http: serves one directory over HTTP/1.1.
///
///     http_files ROOT [address]        (default 127.0.0.1:0: any free port)
///     curl -r 0-9 http://127.0.0.1:PORT/big.bin       (a byte range)
///
/// Prints "http_files serving ROOT on http://ADDRESS" on stdout once it listens, then serves
/// until Ctrl-C (graceful: requests in flight get 5 s).
///
/// What it does, as a file server on the internet should:
/// - GET and HEAD (others get 405 with Allow); Content-Type from the file's extension;
/// - the body is streamed from the file in 64 KiB chunks, each read only once the previous one
///   was written to the socket: a 1 GiB file costs the server one chunk per connection, and a
///   slow client slows the reads down instead of growing the process;
/// - single byte ranges (`Range: bytes=a-b`, `a-`, `-n`): 206 with Content-Range, 416 when
///   none of it is in the file; `Accept-Ranges: bytes` on every file; several ranges at once,
///   or a Range that is not understood, get the whole file (RFC 9110 14.2 lets a server ignore
///   Range); `If-Range` with a stale validator gets the whole file too;
/// - conditional GET: a strong ETag made of the size and modification time, Last-Modified;
///   `If-None-Match` (then `If-Modified-Since` when there is none) answers 304;
/// - the path is percent-decoded once; `.` or `..` segments (also spelled `%2e%2e`), NUL and
///   backslashes get 404; a path that resolves (through a symlink) outside the root gets 403;
///   a directory serves its index.html, or 404;
/// - limits: an 8 KiB head with at most 64 fields, no request body (GET and HEAD carry
///   none: 1 KiB at most), 5 s to send a head, 15 s idle keep-alive.
///
/// Limit: the root check resolves symlinks before the file is opened; someone who can write
/// inside the root can swap a checked directory for a symlink in between. Serve a tree only
/// trusted users can write to (or open with openat2's RESOLVE_BENEATH, which af does not wrap).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "af/bytes/bytes_mut.hpp"
#include "af/fs/file.hpp"
#include "af/http.hpp"
#include "af/io/read.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/rt/spawn_blocking.hpp"
#include "af/signal/signal.hpp"
#include "af/stream/async_generator.hpp"

namespace {

namespace http = af::http;
namespace stdfs = std::filesystem;

constexpr std::size_t chunk_size = 64 * 1024;

std::string_view content_type_of(const stdfs::path& p) {
    std::string ext = p.extension().string();
    for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    struct entry {
        std::string_view ext, type;
    };
    static constexpr entry types[] = {
        {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"}, {".txt", "text/plain; charset=utf-8"},
        {".css", "text/css"},                   {".js", "text/javascript"},          {".json", "application/json"},
        {".xml", "application/xml"},            {".svg", "image/svg+xml"},           {".png", "image/png"},
        {".jpg", "image/jpeg"},                 {".jpeg", "image/jpeg"},             {".gif", "image/gif"},
        {".webp", "image/webp"},                {".ico", "image/x-icon"},            {".pdf", "application/pdf"},
        {".wasm", "application/wasm"},          {".mp4", "video/mp4"},               {".woff2", "font/woff2"},
    };
    for (const auto& e : types) {
        if (e.ext == ext) return e.type;
    }
    return "application/octet-stream";
}

// --- HTTP dates (RFC 9110 5.6.7: IMF-fixdate only; the obsolete forms are not sent by
// today's clients, and an unparsable If-Modified-Since is ignored as the RFC says) ---

std::string http_date(std::time_t t) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf, n);
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
    std::string text(s);
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    return ::timegm(&tm);
}

// --- the path: percent-decoded once, then refused or mapped under the root ---

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The decoded path relative to the root ("a/b.txt", "" for the root itself), or nullopt when
// it must not be served: a bad escape, NUL, a backslash, or a "." / ".." segment.
std::optional<std::string> relative_path(std::string_view target_path) {
    std::string out;
    for (std::size_t i = 0; i < target_path.size(); ++i) {
        char c = target_path[i];
        if (c == '%') {
            if (i + 2 >= target_path.size()) return std::nullopt;
            int hi = hex_digit(target_path[i + 1]), lo = hex_digit(target_path[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0' || c == '\\') return std::nullopt;
        out += c;
    }
    std::string rel;
    std::size_t pos = 0;
    while (pos <= out.size()) {
        std::size_t slash = out.find('/', pos);
        if (slash == std::string::npos) slash = out.size();
        std::string_view seg = std::string_view(out).substr(pos, slash - pos);
        if (seg == "." || seg == "..") return std::nullopt;
        if (!seg.empty()) {
            if (!rel.empty()) rel += '/';
            rel += seg;
        }
        pos = slash + 1;
    }
    return rel;
}

// What the blocking lookup found for a request path.
struct lookup {
    http::status status = http::status::ok;  // ok, or the error to answer
    stdfs::path path;                        // the file to open (canonical, inside the root)
};

bool inside(const stdfs::path& root, const stdfs::path& p) {
    auto r = root.native(), s = p.native();
    return s == r || (s.size() > r.size() && s.compare(0, r.size(), r) == 0 && s[r.size()] == '/');
}

// Runs on the blocking pool: realpath and stat touch the disk.
lookup find_file(const stdfs::path& root, const std::string& rel) {
    std::error_code ec;
    stdfs::path p = stdfs::canonical(root / rel, ec);
    if (ec) return {http::status::not_found, {}};
    if (!inside(root, p)) return {http::status::forbidden, {}};  // a symlink out of the root
    if (stdfs::is_directory(p, ec)) {
        p = stdfs::canonical(p / "index.html", ec);
        if (ec) return {http::status::not_found, {}};
        if (!inside(root, p)) return {http::status::forbidden, {}};
    }
    if (!stdfs::is_regular_file(p, ec)) return {http::status::not_found, {}};
    return {http::status::ok, p};
}

// --- ranges and validators ---

struct byte_range {
    std::uint64_t first = 0, last = 0;  // inclusive
};

enum class range_kind { none, one, unsatisfiable };

// Parses a Range field for a file of `size` bytes (RFC 9110 14.1.2). Several ranges, or one
// that is not understood, count as none: the whole file is served.
range_kind parse_range(std::string_view v, std::uint64_t size, byte_range& out) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    };
    v = trim(v);
    if (v.substr(0, 6) != "bytes=") return range_kind::none;
    v = trim(v.substr(6));
    if (v.find(',') != std::string_view::npos) return range_kind::none;
    auto dash = v.find('-');
    if (dash == std::string_view::npos) return range_kind::none;
    auto number = [](std::string_view s) -> std::optional<std::uint64_t> {
        if (s.empty() || s.size() > 19) return std::nullopt;
        std::uint64_t n = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        return n;
    };
    std::string_view a = trim(v.substr(0, dash)), b = trim(v.substr(dash + 1));
    if (a.empty()) {  // "-n": the last n bytes
        auto n = number(b);
        if (!n) return range_kind::none;
        if (*n == 0 || size == 0) return range_kind::unsatisfiable;
        out = {size - std::min(*n, size), size - 1};
        return range_kind::one;
    }
    auto first = number(a);
    if (!first) return range_kind::none;
    std::optional<std::uint64_t> last;
    if (!b.empty()) {
        last = number(b);
        if (!last || *last < *first) return range_kind::none;
    }
    if (*first >= size) return range_kind::unsatisfiable;
    out = {*first, std::min(last.value_or(size - 1), size - 1)};
    return range_kind::one;
}

// Whether an If-None-Match list names `etag` (weak comparison, RFC 9110 13.1.2).
bool etag_listed(std::string_view list, std::string_view etag) {
    auto strip_weak = [](std::string_view t) { return t.substr(0, 2) == "W/" ? t.substr(2) : t; };
    std::string_view mine = strip_weak(etag);
    std::size_t pos = 0;
    while (pos < list.size()) {
        std::size_t comma = list.find(',', pos);
        if (comma == std::string_view::npos) comma = list.size();
        std::string_view t = list.substr(pos, comma - pos);
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
        if (t == "*" || strip_weak(t) == mine) return true;
        pos = comma + 1;
    }
    return false;
}

// --- the body: the file, read a chunk at a time as the connection asks for it ---

af::async_generator<af::bytes> file_chunks(af::fs::file f, std::uint64_t offset, std::uint64_t count) {
    if (offset > 0) {
        auto s = f.seek(static_cast<std::int64_t>(offset), af::io::seek_from::start);
        co_await std::move(s);
    }
    while (count > 0) {
        af::bytes_mut buf;
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(count, chunk_size));
        buf.reserve(want);
        std::size_t n = co_await af::io::read(f, buf.spare_capacity().first(want));
        // The file shrank after its length went out in Content-Length: the connection must
        // be cut (throwing does that) rather than the response end short.
        if (n == 0) throw std::runtime_error("http_files: " + f.path() + " shrank while being served");
        buf.advance_mut(n);
        count -= n;
        co_yield std::move(buf).freeze();
    }
}

http::response plain(http::status s, std::string_view text) {
    http::response r(s, std::string(text));
    r.headers().append(http::header::content_type, "text/plain; charset=utf-8");
    return r;
}

struct file_service {
    std::shared_ptr<const stdfs::path> root;  // canonical

    af::task<http::response> operator()(http::request req) const {
        const bool head = req.method() == http::method::head;
        if (req.method() != http::method::get && !head) {
            http::response r = plain(http::status::method_not_allowed, "only GET and HEAD\n");
            r.headers().append(http::header::allow, "GET, HEAD");
            co_return r;
        }
        if (req.target().empty() || req.target().front() != '/') co_return plain(http::status::bad_request, "origin-form targets only\n");
        std::optional<std::string> rel = relative_path(req.path());
        if (!rel) co_return plain(http::status::not_found, "not found\n");
        auto found = af::rt::spawn_blocking([root = root, r = *rel] { return find_file(*root, r); });
        lookup where = co_await std::move(found);
        if (where.status == http::status::forbidden) co_return plain(http::status::forbidden, "forbidden\n");
        if (where.status != http::status::ok) co_return plain(http::status::not_found, "not found\n");

        // Size and time from the open descriptor, so they describe the bytes that are sent.
        auto opening = af::fs::file::open(where.path);
        af::fs::file f = co_await std::move(opening);
        auto stat = f.metadata();
        af::fs::file_metadata m = co_await std::move(stat);
        const auto mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(m.modified.time_since_epoch()).count();
        const std::time_t mtime = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(m.modified));
        char tag[64];
        std::snprintf(tag, sizeof tag, "\"%llx-%llx\"", static_cast<unsigned long long>(m.size), static_cast<unsigned long long>(mtime_ns));
        const std::string etag = tag, last_modified = http_date(mtime);

        auto validators = [&](http::response& r) {
            r.headers().append(http::header::etag, etag);
            r.headers().append(http::header::last_modified, last_modified);
            r.headers().append(http::header::accept_ranges, "bytes");
        };
        // Conditional GET (RFC 9110 13.2.2): If-None-Match wins over If-Modified-Since.
        bool not_modified = false;
        if (auto inm = req.headers().get(http::header::if_none_match)) {
            not_modified = etag_listed(*inm, etag);
        } else if (auto ims = req.headers().get(http::header::if_modified_since)) {
            auto since = parse_http_date(*ims);
            not_modified = since && mtime <= *since;
        }
        if (not_modified) {
            http::response r(http::status::not_modified);
            validators(r);
            co_return r;
        }

        byte_range range;
        range_kind rk = range_kind::none;
        if (auto rv = req.headers().get(http::header::range)) {
            rk = parse_range(*rv, m.size, range);
            // If-Range: the range only if the client's copy is this one (a strong ETag match,
            // or exactly this Last-Modified).
            if (auto ir = req.headers().get(http::header::if_range)) {
                if (*ir != etag && *ir != last_modified) rk = range_kind::none;
            }
        }
        if (rk == range_kind::unsatisfiable) {
            http::response r = plain(http::status::range_not_satisfiable, "range not satisfiable\n");
            r.headers().append(http::header::content_range, "bytes */" + std::to_string(m.size));
            validators(r);
            co_return r;
        }
        std::uint64_t first = 0, count = m.size;
        http::status st = http::status::ok;
        if (rk == range_kind::one) {
            first = range.first;
            count = range.last - range.first + 1;
            st = http::status::partial_content;
        }
        // A HEAD response carries the length; its body is never polled, so never read.
        http::response r(st, http::body::from_stream(file_chunks(std::move(f), first, count), count));
        validators(r);
        r.headers().append(http::header::content_type, content_type_of(where.path));
        if (rk == range_kind::one) {
            r.headers().append(http::header::content_range,
                               "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" + std::to_string(m.size));
        }
        co_return r;
    }
};

af::task<void> serve(stdfs::path root, af::net::socket_addr addr) {
    http::server_options limits;
    limits.max_head_bytes = 8 * 1024;
    limits.max_headers = 64;
    limits.max_body_bytes = 1024;
    limits.header_read_timeout = std::chrono::seconds(5);
    limits.keep_alive_timeout = std::chrono::seconds(15);
    auto srv = http::server::bind(addr, file_service{std::make_shared<const stdfs::path>(root)}, limits);
    std::printf("http_files serving %s on http://%s\n", root.c_str(), srv.local_addr().to_string().c_str());
    std::fflush(stdout);
    auto running = af::rt::spawn(srv.run());
    co_await af::signal::ctrl_c();
    srv.shutdown(std::chrono::seconds(5));
    co_await std::move(running);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: http_files ROOT [address]\n");
        return 2;
    }
    try {
        std::error_code ec;
        stdfs::path root = stdfs::canonical(argv[1], ec);
        if (ec || !stdfs::is_directory(root)) {
            std::fprintf(stderr, "http_files: %s is not a directory\n", argv[1]);
            return 2;
        }
        auto addr = af::net::socket_addr::parse(argc > 2 ? argv[2] : "127.0.0.1:0");
        af::rt::runtime rt = af::rt::builder().multi_thread().enable_all().build();
        rt.block_on(serve(root, addr));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_files: %s\n", e.what());
        return 1;
    }
}

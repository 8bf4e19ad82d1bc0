// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::body`: the body of a request or response, a stream of `af::bytes` chunks with a
/// known length or not, and trailer fields after the last chunk.
///
///     af::http::body a = "hello";                                  // one chunk, length 5
///     af::http::body b = af::http::body::from_stream(chunks());   // streamed, length unknown
///     while (auto chunk = co_await af::next(req.body())) consume(*chunk);
///     af::bytes all = co_await req.body().collect(1 << 20);       // or all of it, bounded
///
/// It is an `af::stream` of `af::bytes` (`poll_next`), so `af::next`, `af::streams::*` and
/// `for_each` work on it. Kinds: empty (no chunk), full (one `af::bytes`, no copy of it), and
/// streamed (any `af::stream` of `af::bytes`, or an `af::http::body_source`, which is what a
/// server connection hands a service for the request body: chunks are slices of the
/// connection's read buffer, read from the socket only when the service polls for them).
///
/// Backpressure, both ways: nothing is produced ahead of the reader. A connection polls a
/// response body for its next chunk only after the previous one was written, so a slow client
/// holds at most one chunk of a streamed response in memory; a request body is read from the
/// socket only when the service asks for the next chunk (and `Expect: 100-continue` is answered
/// at that first ask). `length()` is the exact size in bytes when known up front (it becomes
/// Content-Length on HTTP/1.1; unknown means chunked). `trailers()` are sent after the last chunk
/// (chunked encoding on HTTP/1.1, a HEADERS frame on HTTP/2); for a received body they are
/// there once `poll_next` has returned the end.
///
/// Errors: a streamed body throws what its source throws; a request body throws `af::error`
/// with an `af::http::error` code (body too large, malformed chunk, connection closed mid-body).
/// Cancellation: dropping a `next()` loses nothing (a chunk is handed out by a ready poll only).
/// Thread safety: one task at a time. A request body reads through its connection: poll it from
/// the service's own task (or a task the service awaits), never after the response is done.
/// Design note: docs/design/0020-http-body-and-service.md.
#include <cstddef>      // std::size_t
#include <cstdint>      // lengths
#include <memory>       // the erased source
#include <optional>     // chunks, lengths
#include <string>       // text bodies
#include <string_view>  // text bodies
#include <type_traits>  // std::is_same_v
#include <utility>      // std::move

#include "af/bytes/bytes.hpp"
#include "af/core/task.hpp"      // collect's result
#include "af/http/header_map.hpp"  // trailers
#include "af/stream/stream.hpp"

namespace af::http {

/// The interface behind a streamed body: implement it for a producer that is not an
/// `af::stream`, or use `body::from_stream`.
class body_source {
public:
    virtual ~body_source() = default;
    /// The next chunk (never empty), `std::nullopt` at the end, or pending (waker registered).
    virtual af::poll<std::optional<af::bytes>> poll_next(context& cx) = 0;
    /// The exact total size, when known before the first chunk.
    virtual std::optional<std::uint64_t> length() const noexcept { return std::nullopt; }
    /// Trailer fields; asked once, after poll_next returned the end.
    virtual header_map trailers() { return {}; }
    /// Whether `trailers()` may return fields (a connection then picks a framing that can
    /// carry them).
    virtual bool has_trailers() const noexcept { return false; }
};

class [[nodiscard("a body does nothing until it is polled")]] body {
public:
    using item = af::bytes;

    /// An empty body (length 0).
    body() noexcept = default;
    body(af::bytes b) noexcept : full_(std::move(b)), kind_(full_.empty() ? kind::empty : kind::full) {}  // NOLINT: implicit
    body(std::string_view text) : body(af::bytes::copy_from(text)) {}                                    // NOLINT: implicit
    body(const char* text) : body(std::string_view(text)) {}                                             // NOLINT: implicit
    body(const std::string& text) : body(std::string_view(text)) {}                                      // NOLINT: implicit
    /// A body over static memory: no copy, no allocation.
    static body from_static(std::string_view text) noexcept { return body(af::bytes::from_static(text)); }
    static body from_source(std::unique_ptr<body_source> s) noexcept {
        body b;
        b.source_ = std::move(s);
        b.kind_ = kind::source;
        return b;
    }
    /// A body that yields the items of `s` (af::bytes chunks; empty ones are skipped). Give
    /// `length` when the total is known: the connection then sends Content-Length and checks
    /// that the stream produces exactly that many bytes.
    template <af::stream S>
        requires std::is_same_v<af::item_of<S>, af::bytes>
    static body from_stream(S s, std::optional<std::uint64_t> length = std::nullopt) {
        return from_source(std::make_unique<stream_source<S>>(std::move(s), length));
    }

    body(body&&) noexcept = default;
    body& operator=(body&&) noexcept = default;

    /// Trailer fields to send after the last chunk.
    body&& with_trailers(header_map t) && {
        trailers_ = std::move(t);
        return std::move(*this);
    }
    body& with_trailers(header_map t) & {
        trailers_ = std::move(t);
        return *this;
    }

    /// The next chunk (never empty), or `std::nullopt` at the end.
    af::poll<std::optional<af::bytes>> poll_next(context& cx) {
        switch (kind_) {
            case kind::empty: return af::detail::stream_end<af::bytes>();
            case kind::full:
                kind_ = kind::empty;
                return af::poll<std::optional<af::bytes>>(std::in_place, std::move(full_));
            case kind::source: break;
        }
        for (;;) {
            auto p = source_->poll_next(cx);
            if (p.is_pending() || !p->has_value() || !(*p)->empty()) return p;
        }
    }
    /// The exact total size when known up front (0 for an empty body).
    std::optional<std::uint64_t> length() const noexcept {
        switch (kind_) {
            case kind::empty: return 0;
            case kind::full: return full_.size();
            case kind::source: return source_->length();
        }
        return std::nullopt;
    }
    /// Whether this body is one ready chunk (or none): a connection can write it without polling.
    bool is_full() const noexcept { return kind_ != kind::source; }
    /// Whether there may be trailers to send or read.
    bool has_trailers() const noexcept { return !trailers_.empty() || (kind_ == kind::source && source_->has_trailers()); }
    /// The trailers: the ones given to with_trailers, then the source's. Valid once the end was
    /// reached (for a received body, the fields that followed the last chunk).
    header_map trailers() {
        header_map t = std::move(trailers_);
        if (kind_ == kind::source) {
            for (const auto& [n, v] : source_->trailers()) t.append_unchecked(n, v);
        }
        return t;
    }

    /// All the chunks, joined. Throws `af::error` (`af::http::error::body_too_large`) once more
    /// than `limit` bytes arrived. Cancellation: what was read is lost.
    af::task<af::bytes> collect(std::size_t limit = static_cast<std::size_t>(-1));  // src/http/body.cpp
    /// `collect` as text.
    af::task<std::string> text(std::size_t limit = static_cast<std::size_t>(-1));

private:
    enum class kind : unsigned char { empty, full, source };

    template <class S>
    class stream_source final : public body_source {
    public:
        stream_source(S s, std::optional<std::uint64_t> len) : s_(std::move(s)), len_(len) {}
        af::poll<std::optional<af::bytes>> poll_next(context& cx) override { return s_.poll_next(cx); }
        std::optional<std::uint64_t> length() const noexcept override { return len_; }

    private:
        S s_;
        std::optional<std::uint64_t> len_;
    };

    af::bytes full_;
    std::unique_ptr<body_source> source_;
    header_map trailers_;
    kind kind_ = kind::empty;
};

}  // namespace af::http

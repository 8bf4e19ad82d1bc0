// SPDX-License-Identifier: MIT
#pragma once
// af::http::detail::client_conn: the client side of one HTTP/1.1 connection (internal to
// src/http/client*.cpp). It writes requests and parses responses with llhttp in
// HTTP_RESPONSE mode; the pool and the exchange logic are in client.cpp.
//
// Input works as on the server side (server_connection.cpp): bytes are read into `rbuf_`,
// frozen into `input_`, and llhttp parses from there; body chunks are slices of it, no copy.
// llhttp is paused at the end of a head that has a body (so `send` can return the head and
// the body is read only when the caller polls for it: backpressure) and at the end of every
// message (so the connection knows exactly where a response ends, and whether anything was
// left after it, which makes it unfit for reuse).
#include <llhttp.h>

#include <cstddef>   // sizes
#include <cstdint>   // lengths
#include <deque>     // body chunks parsed, not yet read
#include <optional>  // lengths
#include <string>
#include <vector>    // staged output

#include "af/bytes/bytes.hpp"
#include "af/bytes/bytes_mut.hpp"
#include "af/core/task.hpp"
#include "af/http/body.hpp"
#include "af/http/error.hpp"
#include "af/http/header_map.hpp"
#include "af/http/status.hpp"
#include "af/http/version.hpp"
#include "af/net/tcp_stream.hpp"
#include "h1_fields.hpp"

namespace af::http::detail {

struct client_limits {
    std::size_t max_head_bytes;
    std::size_t max_headers;
    std::size_t read_buffer_size;
};

class client_conn {
public:
    client_conn(af::net::tcp_stream s, const client_limits& l);
    client_conn(const client_conn&) = delete;
    client_conn& operator=(const client_conn&) = delete;

    // --- writing ---
    void stage_text(std::string_view s) { wbuf_.put(s); }
    void stage_number(std::uint64_t v, int base = 10);
    void stage(af::bytes b) {
        stage_wbuf();
        if (!b.empty()) staged_.push_back(std::move(b));
    }
    /// Writes everything staged. A reset or broken pipe before any byte of the response came
    /// back throws af::error(connection_closed); other socket errors as they are.
    /// Cancellation: NOT safe (a prefix may be gone): the caller drops the connection.
    af::task<void> write_staged();

    // --- reading ---
    /// Prepares for a response; `head_request`: its body is never sent (RFC 9110 9.3.2).
    /// `exchange` ("GET http://host:port/path") ends every message thrown from here on.
    void begin_response(bool head_request, std::string exchange);
    /// After an interim (1xx) response: parse the next head.
    void next_message() { reset_message(); }
    /// Ready once a head (interim or final) is complete. Throws af::error (af::http::error):
    /// connection_closed when the peer closed (or reset) the connection before the head was
    /// complete, malformed / head_too_large / too_many_headers for a bad head;
    /// std::system_error for other I/O errors.
    af::poll<void> poll_head(context& cx);
    /// The next body chunk, or the end. Same errors as poll_head.
    af::poll<std::optional<af::bytes>> poll_body(context& cx);

    http::status status() const noexcept { return status_; }
    http::version version() const noexcept { return version_; }
    header_map take_headers() noexcept { return std::move(headers_); }
    header_map take_trailers() noexcept { return std::move(trailers_); }
    bool message_complete() const noexcept { return msg_complete_; }
    bool chunked() const noexcept { return chunked_; }
    std::optional<std::uint64_t> body_length() const noexcept {
        return has_length_ ? std::optional<std::uint64_t>(content_length_) : std::nullopt;
    }
    /// Whether any byte of a response arrived since begin_response.
    bool got_bytes() const noexcept { return got_bytes_; }
    /// Not to be reused, whatever the response says (a body not sent after an early answer).
    void poison() noexcept { poisoned_ = true; }
    /// Whether it may go back to the pool: the response ended exactly at the end of the input,
    /// and both sides want to keep the connection.
    bool reusable() const noexcept { return msg_complete_ && keep_alive_ && !poisoned_ && !failed() && input_.empty() && body_q_.empty(); }
    /// Parses what is already read, dropping body chunks, without reading more: true when
    /// the response ends there (then the connection may be reusable).
    bool finish_buffered() noexcept;
    /// Whether the peer closed or sent something unasked while the connection was idle
    /// (polled without waiting; such a connection must not be reused).
    bool is_stale() const noexcept;
    /// What ends every message: "(GET http://host:port/path)".
    const std::string& exchange() const noexcept { return exchange_; }

private:
    static client_conn& self(llhttp_t* p) noexcept { return *static_cast<client_conn*>(p->data); }
    static const llhttp_settings_t& settings() noexcept;

    void fail(http::error e, const char* why) noexcept {
        if (!failed()) {
            err_ = e;
            why_ = why;
        }
    }
    bool failed() const noexcept { return err_ != http::error{}; }
    [[noreturn]] void throw_failure() const;

    int on_fault(h1_fields::fault f) noexcept;
    int headers_done();
    int body_data(const char* at, std::size_t n) noexcept;
    void reset_message();
    void feed();
    void at_eof();
    af::poll<std::size_t> poll_fill(context& cx);
    af::poll<void> poll_step(context& cx);
    void stage_wbuf() {
        if (!wbuf_.empty()) staged_.push_back(wbuf_.split().freeze());
    }

    af::net::tcp_stream s_;
    client_limits lim_;
    llhttp_t p_;
    const char* base_ = nullptr;  // the bytes being parsed, for body slices

    af::bytes_mut rbuf_;
    af::bytes input_;  // read, not yet parsed

    h1_fields fields_;
    header_map headers_, trailers_;
    std::deque<af::bytes> body_q_;
    http::status status_{};
    http::version version_ = http::version::http_1_1;
    bool head_request_ = false;
    bool head_complete_ = false, msg_complete_ = false, chunked_ = false, has_length_ = false;
    bool keep_alive_ = false, got_bytes_ = false, poisoned_ = false, eof_ = false;
    std::size_t head_bytes_ = 0;
    std::uint64_t content_length_ = 0;
    http::error err_{};
    const char* why_ = "";
    std::string exchange_;

    af::bytes_mut wbuf_;
    std::vector<af::bytes> staged_;
};

}  // namespace af::http::detail

// SPDX-License-Identifier: MIT
// The llhttp glue of the client side (src/http/client_conn.hpp). It mirrors the server's glue
// in server_connection.cpp (accumulated spans, pauses at the end of a head and of a message,
// body chunks as slices of the read buffer), in HTTP_RESPONSE mode.
#include "client_conn.hpp"

#include <poll.h>  // the reuse check

#include <algorithm>  // std::min
#include <charconv>   // std::to_chars
#include <span>       // read buffers

#include "af/core/error.hpp"

namespace af::http::detail {

client_conn::client_conn(af::net::tcp_stream s, const client_limits& l) : s_(std::move(s)), lim_(l) {
    llhttp_init(&p_, HTTP_RESPONSE, &settings());
    p_.data = this;
}

const llhttp_settings_t& client_conn::settings() noexcept {
    static const llhttp_settings_t s = [] {
        llhttp_settings_t t;
        llhttp_settings_init(&t);
        t.on_message_begin = [](llhttp_t* p) -> int {
            self(p).got_bytes_ = true;
            return 0;
        };
        t.on_header_field = [](llhttp_t* p, const char* at, std::size_t n) -> int {
            auto& c = self(p);
            return c.on_fault(c.fields_.add_name(at, n, c.head_complete_, c.lim_.max_head_bytes));
        };
        t.on_header_value = [](llhttp_t* p, const char* at, std::size_t n) -> int {
            auto& c = self(p);
            return c.on_fault(c.fields_.add_value(at, n, c.head_complete_, c.lim_.max_head_bytes));
        };
        t.on_header_value_complete = [](llhttp_t* p) -> int {
            auto& c = self(p);
            return c.on_fault(c.fields_.commit(c.head_complete_ ? c.trailers_ : c.headers_, c.lim_.max_headers));
        };
        t.on_headers_complete = [](llhttp_t* p) -> int { return self(p).headers_done(); };
        t.on_body = [](llhttp_t* p, const char* at, std::size_t n) -> int { return self(p).body_data(at, n); };
        t.on_message_complete = [](llhttp_t* p) -> int {
            self(p).msg_complete_ = true;
            return HPE_PAUSED;
        };
        return t;
    }();
    return s;
}

void client_conn::throw_failure() const { throw af::error(err_, "af::http::client: " + std::string(why_) + " (" + exchange_ + ")"); }

namespace {
// The errors by which a socket says the peer is gone (rather than the network or the host).
bool peer_gone(const std::error_code& e) noexcept {
    return e == std::errc::connection_reset || e == std::errc::broken_pipe || e == std::errc::connection_aborted;
}
}  // namespace

// A field-line fault as the client reports it (0 lets llhttp go on).
int client_conn::on_fault(h1_fields::fault f) noexcept {
    switch (f) {
        case h1_fields::fault::none: return 0;
        case h1_fields::fault::too_large: fail(http::error::head_too_large, "response trailers too large"); break;
        case h1_fields::fault::too_many:
            fail(http::error::too_many_headers, head_complete_ ? "too many trailer fields in the response" : "too many header fields in the response");
            break;
        case h1_fields::fault::bad_value: fail(http::error::malformed, "a response field value holds CR, LF or NUL"); break;
        case h1_fields::fault::bad_name: fail(http::error::malformed, "a response field name is not a token"); break;
    }
    return HPE_USER;
}

int client_conn::headers_done() {
    head_complete_ = true;
    status_ = static_cast<http::status>(p_.status_code);
    version_ = p_.http_major == 1 && p_.http_minor == 0 ? http::version::http_1_0 : http::version::http_1_1;
    keep_alive_ = llhttp_should_keep_alive(&p_) != 0;
    chunked_ = (p_.flags & F_CHUNKED) != 0;
    has_length_ = (p_.flags & F_CONTENT_LENGTH) != 0;
    content_length_ = p_.content_length;
    fields_.end_of_head();
    const bool interim = p_.status_code < 200;
    if (head_request_ && !interim) {
        // A response to HEAD describes a body it does not carry (RFC 9110 9.3.2): its
        // Content-Length is the size of the GET's body, not of this message.
        has_length_ = false;
        chunked_ = false;
        return 1;  // llhttp: no body
    }
    if (interim || forbids_body(status_)) {
        has_length_ = false;
        chunked_ = false;
        return 1;  // llhttp: no body (it would read the Content-Length of a 304 as one)
    }
    const bool body = chunked_ || !has_length_ || content_length_ > 0;
    return body ? HPE_PAUSED : 0;
}

int client_conn::body_data(const char* at, std::size_t n) noexcept {
    try {
        auto off = static_cast<std::size_t>(at - base_);
        body_q_.push_back(input_.slice(off, off + n));
    } catch (...) {
        fail(http::error::malformed, "out of memory");
        return HPE_USER;
    }
    return 0;
}

void client_conn::reset_message() {
    fields_.reset();
    headers_ = header_map();
    trailers_ = header_map();
    body_q_.clear();
    status_ = {};
    head_complete_ = msg_complete_ = chunked_ = has_length_ = false;
    head_bytes_ = 0;
    content_length_ = 0;
}

void client_conn::begin_response(bool head_request, std::string exchange) {
    reset_message();
    head_request_ = head_request;
    got_bytes_ = false;
    exchange_ = std::move(exchange);
}

void client_conn::stage_number(std::uint64_t v, int base) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v, base);
    wbuf_.put(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

af::task<void> client_conn::write_staged() {
    stage_wbuf();
    if (staged_.empty()) co_return;
    std::vector<af::bytes> out;
    out.swap(staged_);
    bool gone = false;
    try {
        auto w = s_.write_all_vectored(std::span<af::bytes>(out));
        co_await std::move(w);
    } catch (const std::system_error& e) {
        if (got_bytes_ || !peer_gone(e.code())) throw;
        gone = true;
    }
    // A pooled connection the server closed while it was idle, found out by writing to it.
    if (gone) throw af::error(http::error::connection_closed, "af::http::client: connection closed by the peer before any byte of the response (" + exchange_ + ")");
}

// Parses `input_` (the head: no more than one byte past the head limit); drops what llhttp
// consumed.
void client_conn::feed() {
    static const char nothing = 0;
    std::size_t n = input_.size();
    if (!head_complete_) n = std::min(n, lim_.max_head_bytes - head_bytes_ + 1);
    const char* data = n == 0 ? &nothing : reinterpret_cast<const char*>(input_.data());
    base_ = data;
    llhttp_errno_t e = llhttp_execute(&p_, data, n);
    std::size_t used = n;
    if (e == HPE_PAUSED) {
        used = static_cast<std::size_t>(llhttp_get_error_pos(&p_) - data);
        llhttp_resume(&p_);
    } else if (e == HPE_PAUSED_UPGRADE) {
        // 101 Switching Protocols: what follows is not HTTP. The exchange ends with this head
        // and the connection is not reused.
        used = static_cast<std::size_t>(llhttp_get_error_pos(&p_) - data);
        msg_complete_ = true;
        keep_alive_ = false;
    } else if (e != HPE_OK) {
        fail(http::error::malformed, head_complete_ ? "malformed response body" : "malformed response head");
    }
    used = std::min(used, input_.size());
    if (!head_complete_) head_bytes_ += used;
    input_.advance(used);
    if (!head_complete_ && !failed() && head_bytes_ > lim_.max_head_bytes) fail(http::error::head_too_large, "response head too large");
}

void client_conn::at_eof() {
    eof_ = true;
    keep_alive_ = false;
    if (!head_complete_) {
        fail(http::error::connection_closed,
             got_bytes_ ? "connection closed by the peer in the middle of the response head" : "connection closed by the peer before any byte of the response");
        return;
    }
    // A body read to the end of the connection ends here; any other is cut short.
    llhttp_errno_t e = llhttp_finish(&p_);
    if ((e != HPE_OK && e != HPE_PAUSED) || !msg_complete_) fail(http::error::incomplete_body, "connection closed before the end of the response body");
}

af::poll<std::size_t> client_conn::poll_fill(context& cx) {
    rbuf_.reserve(lim_.read_buffer_size);
    af::poll<std::size_t> p = pending;
    try {
        p = s_.poll_read(cx, rbuf_.spare_capacity());
    } catch (const std::system_error& e) {
        // A reset before the head is complete is the same fault as a close (nothing usable
        // came back); after it, the body is cut short and the socket's error says how.
        if (head_complete_ || !peer_gone(e.code())) throw;
        fail(http::error::connection_closed,
             got_bytes_ ? "connection reset by the peer in the middle of the response head" : "connection reset by the peer before any byte of the response");
        eof_ = true;
        keep_alive_ = false;
        return std::size_t{0};
    }
    if (p.is_pending()) return pending;
    rbuf_.advance_mut(*p);
    input_ = rbuf_.split().freeze();
    return *p;
}

// One step of the parser: feed what is buffered, else act on the end of the stream, else read
// more. Pending only when the read is.
af::poll<void> client_conn::poll_step(context& cx) {
    if (!input_.empty()) {
        feed();
        return {};
    }
    if (eof_) {
        at_eof();
        return {};
    }
    auto r = poll_fill(cx);
    if (r.is_pending()) return pending;
    if (*r == 0) at_eof();
    return {};
}

af::poll<void> client_conn::poll_head(context& cx) {
    for (;;) {
        if (failed()) throw_failure();
        if (head_complete_) return {};
        if (poll_step(cx).is_pending()) return pending;
    }
}

af::poll<std::optional<af::bytes>> client_conn::poll_body(context& cx) {
    for (;;) {
        if (!body_q_.empty()) {
            af::bytes b = std::move(body_q_.front());
            body_q_.pop_front();
            return af::poll<std::optional<af::bytes>>(std::in_place, std::move(b));
        }
        if (failed()) throw_failure();
        if (msg_complete_) return af::detail::stream_end<af::bytes>();
        if (poll_step(cx).is_pending()) return pending;
    }
}

bool client_conn::finish_buffered() noexcept {
    for (;;) {
        body_q_.clear();
        if (failed()) return false;
        if (msg_complete_) return true;
        if (input_.empty()) return false;
        feed();
    }
}

bool client_conn::is_stale() const noexcept {
    pollfd p{};
    p.fd = s_.native_handle();
    p.events = POLLIN | POLLRDHUP;
    return ::poll(&p, 1, 0) != 0;  // readable (data or EOF), hung up, in error, or poll failed
}

}  // namespace af::http::detail

// SPDX-License-Identifier: MIT
// The HTTP/1.1 server side of one connection (include/af/http/server_connection.hpp).
//
// Design (docs/design/0020-http-body-and-service.md):
//
// - Input. Bytes are read into `rbuf_` (a bytes_mut) and frozen into `input_`, the bytes not
//   yet parsed. llhttp parses from `input_`; request body chunks are slices of it (no copy),
//   handed to the service one by one. llhttp delivers every span (URL, names, values) in as
//   many pieces as the reads cut it into, so they are accumulated in strings.
// - Pauses. llhttp is paused (HPE_PAUSED from a callback) at the end of a head that has a
//   body, and at the end of every message. So a head is parsed alone, its body only when the
//   service polls for it (the next read from the socket happens only then: backpressure), and
//   a pipelined next request only once the current exchange is over. After a pause the
//   unparsed rest stays in `input_`; llhttp_get_error_pos says where it starts.
// - Limits. llhttp has no head limit: while a head is incomplete at most
//   `max_head_bytes - head_bytes_ + 1` bytes are fed, so a head that would exceed the limit is
//   seen after at most one extra byte, without buffering more. Fields are counted in the
//   callbacks; the body size is checked against Content-Length in on_headers_complete (413
//   before the service runs) and per chunk for chunked bodies.
// - Output. Everything to write is staged as a list of af::bytes (the serialised head, body
//   chunks as they are, chunk framing); `poll_flush_out` writes the list with one vectored
//   write per round (write_all_vectored). The list is only written when the connection is
//   about to wait: for the peer's next bytes, for the service, for a streamed body's next
//   chunk. So responses to pipelined requests that are ready at once leave in one write.
// - Timeouts. The request deadline (request_timeout) is a sleep armed when a head starts; the
//   small futures the connection awaits while the exchange is in progress (the service, a
//   response chunk) poll it once their own work is pending and throw request_timed_out when
//   it has passed, which run() turns into a 503 or a closed connection; a flush
//   (flush_in_time) ends with false instead, and the connection is dropped. The body gap (body_read_timeout) is a sleep armed in poll_body when the service
//   waits for bytes that are not there, and dropped when bytes arrive. The wait for a head
//   (header_read_timeout, keep_alive_timeout, the server's stop) uses one sleep and one
//   notified future for the connection's life (poll_head_wait): per request they cost no lock.
// - Upgrades. After a 101 (or a 2xx to CONNECT) with an upgrade handler, the head is flushed
//   and the handler awaited in this task with the socket and the unparsed input (`input_`,
//   which llhttp left alone: it pauses at the end of every message).
// - One task. The service's future, the request body it reads and the response body the
//   connection polls all run in this connection's task: the body source reads the socket
//   through a pointer to the connection, which it loses (detach) when the exchange ends.
#include <llhttp.h>

#include <algorithm>  // std::min
#include <charconv>   // std::to_chars
#include <cstdio>     // std::snprintf (status lines)
#include <deque>      // body chunks parsed but not yet read
#include <optional>   // deadlines, results
#include <string>     // spans being accumulated
#include <vector>     // staged output

#include "af/bytes/bytes_mut.hpp"
#include "af/http/error.hpp"
#include "af/http/server_connection.hpp"
#include "af/io/write_all_vectored.hpp"
#include "af/stream/next.hpp"
#include "af/sync/notify.hpp"
#include "af/time/instant.hpp"
#include "af/time/sleep.hpp"
#include "af/time/timeout.hpp"
#include "ascii.hpp"
#include "date.hpp"
#include "h1_fields.hpp"
#include "shutdown.hpp"

namespace af::http::detail {

namespace {

constexpr std::string_view continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";
// An unread request body left after the response is read and dropped up to this much, so the
// connection can serve the next request; a longer one closes the connection instead.
constexpr std::uint64_t drain_limit = 256 * 1024;
// After a response that closes the connection, the rest of the input is read and dropped for
// this long (or this much) before closing: closing with unread bytes makes the kernel send a
// reset, which can destroy the response before the client reads it (RFC 9112 9.6).
constexpr std::chrono::milliseconds linger_time{1000};
constexpr std::size_t linger_limit = 256 * 1024;
// The last bytes of a connection that is closing (an error answer, a `Connection: close`
// response) get this long to leave: a peer that never reads must not hold the connection.
constexpr std::chrono::milliseconds close_flush_time{10'000};
// The first room for reading a head (poll_fill_head): the requests of a typical client fit,
// 16 pipelined wrk requests too.
constexpr std::size_t initial_head_room = 1024;

// now + d, saturating: a timeout of milliseconds::max() means "never".
// Thrown by the futures below when the request deadline passed; run() catches it.
struct request_timed_out {};

constexpr auto never = std::chrono::milliseconds::max();

af::time::instant after(af::time::instant now, std::chrono::milliseconds d) noexcept {
    return af::time::detail::saturating_add(now, std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}
af::time::instant after(std::chrono::milliseconds d) noexcept { return after(af::time::instant::now(), d); }

class connection;
struct flush_future;

// The request body a service reads: pulls chunks through the connection.
class incoming_body final : public body_source {
public:
    incoming_body(connection* c, std::optional<std::uint64_t> len, bool chunked) noexcept : c_(c), len_(len), chunked_(chunked) {}
    ~incoming_body() override;
    af::poll<std::optional<af::bytes>> poll_next(context& cx) override;
    std::optional<std::uint64_t> length() const noexcept override { return len_; }
    header_map trailers() override;
    bool has_trailers() const noexcept override { return chunked_; }
    void detach() noexcept { c_ = nullptr; }

private:
    connection* c_;
    std::optional<std::uint64_t> len_;
    bool chunked_;
};

class connection {
public:
    connection(io_ref io, const server_options& o, shutdown_signal* stop, const connection_addrs& addrs)
        : io_(io), o_(o), stop_(stop), addrs_(addrs) {
        llhttp_init(&p_, HTTP_REQUEST, &settings());
        p_.data = this;
        head_room_ = std::min(initial_head_room, o.read_buffer_size);
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() {
        if (live_ != nullptr) live_->detach();
    }

    af::task<void> run(const any_service& svc);

    // --- used by incoming_body and the small futures below ---
    af::poll<std::optional<af::bytes>> poll_body(context& cx);
    header_map take_trailers() { return std::move(trailers_); }
    void body_dropped() noexcept { live_ = nullptr; }
    af::poll<std::size_t> poll_fill(context& cx);
    af::poll<std::size_t> poll_fill_head(context& cx);
    af::poll<void> poll_flush_out(context& cx);
    bool has_output() const noexcept { return !staged_.empty() || writing_.has_value(); }
    io_ref& io() noexcept { return io_; }
    // The wait for head bytes: what ended it, if anything did (otherwise cx is woken later).
    enum class wait_end { none, elapsed, stopped };
    wait_end poll_head_wait(context& cx, af::time::instant deadline, bool watch_stop);
    // Whether the current request's deadline passed (if not, cx's waker is woken when it does).
    bool request_expired(context& cx) {
        if (!req_timer_ || req_timer_->poll(cx).is_pending()) return false;
        req_expired_ = true;
        return true;
    }

private:
    // --- llhttp callbacks ---
    static connection& self(llhttp_t* p) noexcept { return *static_cast<connection*>(p->data); }
    static const llhttp_settings_t& settings() noexcept {
        static const llhttp_settings_t s = [] {
            llhttp_settings_t t;
            llhttp_settings_init(&t);
            t.on_message_begin = [](llhttp_t* p) -> int {
                self(p).head_started_ = true;
                return 0;
            };
            t.on_url = [](llhttp_t* p, const char* at, std::size_t n) -> int {
                self(p).url_.append(at, n);
                return 0;
            };
            t.on_header_field = [](llhttp_t* p, const char* at, std::size_t n) -> int {
                auto& c = self(p);
                return c.on_fault(c.fields_.add_name(at, n, c.head_complete_, c.o_.max_head_bytes));
            };
            t.on_header_value = [](llhttp_t* p, const char* at, std::size_t n) -> int {
                auto& c = self(p);
                return c.on_fault(c.fields_.add_value(at, n, c.head_complete_, c.o_.max_head_bytes));
            };
            t.on_header_value_complete = [](llhttp_t* p) -> int {
                auto& c = self(p);
                return c.on_fault(c.fields_.commit(c.head_complete_ ? c.trailers_ : c.headers_, c.o_.max_headers));
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

    void fail(http::status s, http::error e) noexcept {
        if (err_status_ == http::status{}) {
            err_status_ = s;
            err_ = e;
        }
    }
    bool failed() const noexcept { return err_status_ != http::status{}; }

    // A field-line fault as this side answers it (0 lets llhttp go on).
    int on_fault(h1_fields::fault f) noexcept {
        switch (f) {
            case h1_fields::fault::none: return 0;
            case h1_fields::fault::too_large: fail(http::status::request_header_fields_too_large, http::error::head_too_large); break;
            case h1_fields::fault::too_many: fail(http::status::request_header_fields_too_large, http::error::too_many_headers); break;
            case h1_fields::fault::bad_value:
            case h1_fields::fault::bad_name: fail(http::status::bad_request, http::error::malformed); break;
        }
        return HPE_USER;
    }

    int headers_done() noexcept {
        head_complete_ = true;
        fields_.end_of_head();
        if (p_.http_major != 1) {
            fail(http::status::http_version_not_supported, http::error::malformed);
            return HPE_PAUSED;
        }
        version_ = p_.http_minor == 0 ? http::version::http_1_0 : http::version::http_1_1;
        try {
            method_ = http::method::parse(llhttp_method_name(static_cast<llhttp_method_t>(p_.method)));
        } catch (...) {
            fail(http::status::internal_server_error, http::error::malformed);
            return HPE_PAUSED;
        }
        keep_alive_ = llhttp_should_keep_alive(&p_) != 0;
        // After an Upgrade request or a CONNECT no byte is HTTP any more: the connection
        // switches protocols (see run) or closes after this exchange.
        upgrade_req_ = p_.upgrade != 0;
        if (upgrade_req_) keep_alive_ = false;
        chunked_ = (p_.flags & F_CHUNKED) != 0;
        has_length_ = (p_.flags & F_CONTENT_LENGTH) != 0;
        content_length_ = p_.content_length;
        if (has_length_ && content_length_ > o_.max_body_bytes) {
            fail(http::status::content_too_large, http::error::body_too_large);
            return HPE_PAUSED;
        }
        if (auto e = headers_.get(header::expect)) {
            if (iequals(*e, "100-continue")) {
                need_continue_ = version_ == http::version::http_1_1;
            } else {
                fail(http::status::expectation_failed, http::error::malformed);
                return HPE_PAUSED;
            }
        }
        // llhttp reads no body after a CONNECT head (RFC 9110 9.3.6: it has no meaning).
        body_expected_ = method_ != http::method::connect && (chunked_ || (has_length_ && content_length_ > 0));
        return body_expected_ ? HPE_PAUSED : 0;
    }

    int body_data(const char* at, std::size_t n) noexcept {
        body_bytes_ += n;
        if (body_bytes_ > o_.max_body_bytes) {
            fail(http::status::content_too_large, http::error::body_too_large);
            return HPE_USER;
        }
        try {
            auto off = static_cast<std::size_t>(at - base_);
            body_q_.push_back(input_.slice(off, off + n));
        } catch (...) {
            fail(http::status::internal_server_error, http::error::malformed);
            return HPE_USER;
        }
        return 0;
    }

    // Parses up to `limit` bytes of `input_`; drops what llhttp consumed and returns how many.
    std::size_t feed(std::size_t limit) {
        static const char nothing = 0;
        std::size_t n = std::min(input_.size(), limit);
        const char* data = n == 0 ? &nothing : reinterpret_cast<const char*>(input_.data());
        base_ = data;
        llhttp_errno_t e = llhttp_execute(&p_, data, n);
        std::size_t used = n;
        if (e == HPE_PAUSED) {
            used = static_cast<std::size_t>(llhttp_get_error_pos(&p_) - data);
            llhttp_resume(&p_);
        } else if (e == HPE_PAUSED_UPGRADE) {
            // The bytes after an upgrade request are not HTTP; llhttp stays paused and the
            // connection closes after this exchange (keep_alive_ is false).
            used = static_cast<std::size_t>(llhttp_get_error_pos(&p_) - data);
        } else if (e != HPE_OK) {
            fail(http::status::bad_request, http::error::malformed);  // keeps a callback's own failure
            reason_ = llhttp_get_error_reason(&p_) != nullptr ? llhttp_get_error_reason(&p_) : "";
        }
        used = std::min(used, input_.size());
        input_.advance(used);
        return used;
    }

    // Feeds the head, never more than one byte past the head limit.
    void feed_head() {
        std::size_t room = o_.max_head_bytes - head_bytes_ + 1;
        const af::bytes fed = input_;  // a second view (a count), to scan what llhttp took
        std::size_t used = feed(room);
        head_bytes_ += used;
        // llhttp accepts obs-fold (a line starting with SP or HTAB continues the previous
        // value) and hands the pieces over as one value: RFC 9112 5.2 lets a server refuse it,
        // and a proxy in front may have read the fold differently (smuggling), so refuse it.
        for (std::size_t i = 0; i < used; ++i) {
            auto c = static_cast<char>(fed[i]);
            if (prev_lf_ && (c == ' ' || c == '\t') && !failed()) {
                fail(http::status::bad_request, http::error::malformed);
            }
            prev_lf_ = c == '\n';
        }
        if (!head_complete_ && !failed() && head_bytes_ > o_.max_head_bytes) {
            fail(http::status::request_header_fields_too_large, http::error::head_too_large);
        }
    }

    void begin_message() {
        url_.clear();
        fields_.reset();
        headers_ = header_map();
        trailers_ = header_map();
        body_q_.clear();
        head_started_ = head_complete_ = msg_complete_ = false;
        chunked_ = has_length_ = body_expected_ = need_continue_ = upgrade_req_ = false;
        body_timer_.reset();
        head_bytes_ = 0;
        prev_lf_ = false;
        body_bytes_ = content_length_ = 0;
    }

    void stage(af::bytes b) {
        if (!b.empty()) staged_.push_back(std::move(b));
    }
    void stage_text(std::string_view s) { wbuf_.put(s); }
    void stage_number(std::uint64_t v, int base = 10) {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v, base);
        wbuf_.put(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    }
    // Moves what was put in wbuf_ to the staged output (wbuf_ keeps its block for the next).
    void stage_wbuf() {
        if (!wbuf_.empty()) stage(wbuf_.split().freeze());
    }

    // One copy of "HTTP/1.1 200 OK\r\n", formatted when the status differs from the last one
    // this thread wrote (a server answers mostly one or two codes).
    void write_status_line(http::status s) {
        struct cache {
            http::status status{};
            char text[64] = {};
            std::size_t len = 0;
        };
        thread_local cache c;
        if (c.status != s) {
            const std::string_view reason = reason_phrase(s);
            c.len = 0;
            c.status = http::status{};  // valid again only once complete
            if (reason.size() > sizeof c.text - 16) {  // no such phrase today; never cut one
                stage_text("HTTP/1.1 ");
                stage_number(code(s));
                stage_text(" ");
                stage_text(reason);
                stage_text("\r\n");
                return;
            }
            const int n = std::snprintf(c.text, sizeof c.text, "HTTP/1.1 %u %.*s\r\n", static_cast<unsigned>(code(s)),
                                        static_cast<int>(reason.size()), reason.data());
            c.len = n > 0 ? static_cast<std::size_t>(n) : 0;
            c.status = s;
        }
        stage_text(std::string_view(c.text, c.len));
    }

    void stage_error_response(http::status s) {
        std::string_view reason = reason_phrase(s);
        write_status_line(s);
        stage_text(http_date_line_now());
        stage_text("connection: close\r\ncontent-type: text/plain\r\ncontent-length: ");
        stage_number(reason.size() + 1);
        stage_text("\r\n\r\n");
        // A response to HEAD has no content (RFC 9110 9.3.2), an error answer included: a
        // client would read the text as the next response (found by fuzz/http/http_request_fuzz).
        if (!(head_complete_ && method_ == http::method::head)) {
            stage_text(reason);
            stage_text("\n");
        }
        stage_wbuf();
    }

    bool stopping() const noexcept;

    // Starts the request deadline of the head that just began; the head's own deadline is the
    // earlier of the two.
    void arm_request_timer(af::time::instant now, af::time::instant& head_deadline) {
        req_timer_.reset();
        req_expired_ = false;
        if (o_.request_timeout == never) return;
        req_timer_.emplace(after(now, o_.request_timeout));
        head_deadline = std::min(head_deadline, req_timer_->deadline());
    }
    void stage_head_fields(const response& r, std::optional<std::uint64_t> body_len);
    af::task<void> switch_protocols(upgrade_handler h);

    // Writes what is staged within the request deadline: co_awaits to false when it passed.
    flush_future flush_in_time() noexcept;
    af::task<void> close_connection(bool linger);
    af::task<void> respond_error_and_close(http::status s);

    // --- state ---
    io_ref io_;
    const server_options& o_;
    shutdown_signal* stop_;
    connection_addrs addrs_;  // copied into every request
    llhttp_t p_;
    const char* base_ = nullptr;  // the bytes being parsed, for body slices

    af::bytes_mut rbuf_;
    std::size_t head_room_;  // room for a head read (see poll_fill_head)
    af::bytes input_;  // read, not yet parsed

    std::string url_;
    h1_fields fields_;
    header_map headers_, trailers_;
    std::deque<af::bytes> body_q_;
    http::method method_;
    http::version version_ = http::version::http_1_1;
    bool head_started_ = false, head_complete_ = false, msg_complete_ = false;
    bool chunked_ = false, has_length_ = false, body_expected_ = false, need_continue_ = false;
    bool keep_alive_ = true;
    bool upgrade_req_ = false;  // an Upgrade request or a CONNECT
    std::optional<af::time::sleep_future> req_timer_;   // the request deadline (request_timeout)
    bool req_expired_ = false;
    std::optional<af::time::sleep_future> body_timer_;  // the body gap (body_read_timeout)
    // The idle / head deadline: one sleep for the connection's life, moved instead of made per
    // request (registering and cancelling a timer take the driver's lock each). It may stay
    // registered at an earlier deadline than the current one; when it fires, it is moved on.
    std::optional<af::time::sleep_future> wait_timer_;
    // The next stop(), also made once. Both are polled again only when the waker changed (a
    // poll of a registered one takes a lock just to store the same waker).
    std::optional<af::sync::notify::notified_future> stop_wait_;
    std::optional<af::waker> wait_waker_;  // the waker both were last polled with
    bool timer_armed_ = false, stop_armed_ = false;
    bool prev_lf_ = false;  // the last head byte fed was LF (obs-fold check)
    std::size_t head_bytes_ = 0;
    std::uint64_t body_bytes_ = 0, content_length_ = 0;
    http::status err_status_{};
    http::error err_{};
    std::string reason_;  // llhttp's reason for a malformed message (for debugging)
    incoming_body* live_ = nullptr;  // the body of the exchange in progress, if any

    af::bytes_mut wbuf_;
    std::vector<af::bytes> staged_;    // to write next
    std::vector<af::bytes> inflight_;  // being written
    std::vector<af::io::io_slice> slices_;
    std::optional<af::io::write_all_vectored_future<io_ref>> writing_;
};

// --- small futures over the connection's poll functions ---

// Reads head bytes until `deadline`, and, with `watch_stop`, until the server stops.
struct head_read {
    std::size_t n = 0;
    connection::wait_end end = connection::wait_end::none;  // none: n bytes were read
};
struct head_read_future {
    using output = head_read;
    head_read_future(connection* c, af::time::instant deadline, bool watch_stop) noexcept
        : c_(c), deadline_(deadline), watch_stop_(watch_stop) {}
    af::poll<head_read> poll(context& cx) {
        auto p = c_->poll_fill_head(cx);
        if (p.is_ready()) return head_read{*p, connection::wait_end::none};
        auto e = c_->poll_head_wait(cx, deadline_, watch_stop_);
        if (e == connection::wait_end::none) return pending;
        return head_read{0, e};
    }
    connection* c_;
    af::time::instant deadline_;
    bool watch_stop_;
};

// Writes what is staged. `timed`: gives up once the request deadline passed, with false (the
// response did not leave in time; the caller drops the connection).
struct flush_future {
    using output = bool;
    explicit flush_future(connection* c, bool timed = false) noexcept : c_(c), timed_(timed) {}
    af::poll<bool> poll(context& cx) {
        if (c_->poll_flush_out(cx).is_ready()) return true;
        if (timed_ && c_->request_expired(cx)) return false;
        return pending;
    }
    connection* c_;
    bool timed_;
};

// Polls the service; while it is pending, writes what is staged (earlier pipelined responses).
struct service_future {
    using output = response;
    service_future(connection* c, af::task<response>& t) noexcept : c_(c), t_(&t) {}
    af::poll<response> poll(context& cx) {
        auto p = t_->poll(cx);
        if (p.is_ready()) return p;
        if (c_->has_output()) (void)c_->poll_flush_out(cx);
        if (c_->request_expired(cx)) throw request_timed_out{};
        return pending;
    }
    connection* c_;
    af::task<response>* t_;
};

// The next chunk of a response body; while the producer is pending, writes what is staged
// (the head, the previous chunk's framing).
struct next_chunk_future {
    using output = std::optional<af::bytes>;
    next_chunk_future(connection* c, body& b) noexcept : c_(c), b_(&b) {}
    af::poll<output> poll(context& cx) {
        auto p = b_->poll_next(cx);
        if (p.is_ready()) return p;
        if (c_->has_output()) (void)c_->poll_flush_out(cx);
        if (c_->request_expired(cx)) throw request_timed_out{};
        return pending;
    }
    connection* c_;
    body* b_;
};

// Reads and drops the rest of the request body, up to `limit` bytes; true when it ended.
struct drain_future {
    using output = bool;
    drain_future(connection* c, std::uint64_t limit) noexcept : c_(c), left_(limit) {}
    af::poll<bool> poll(context& cx) {
        for (;;) {
            auto p = c_->poll_body(cx);
            if (p.is_pending()) return pending;
            if (!p->has_value()) return true;
            if ((*p)->size() > left_) return false;
            left_ -= (*p)->size();
        }
    }
    connection* c_;
    std::uint64_t left_;
};

// Reads and drops input until the end of stream or `limit` bytes.
struct linger_future {
    using output = void;
    linger_future(connection* c, std::size_t limit) noexcept : c_(c), left_(limit) {}
    af::poll<void> poll(context& cx) {
        std::byte scratch[4096];
        while (left_ > 0) {
            auto p = c_->io().poll_read(cx, std::span<std::byte>(scratch, std::min(left_, sizeof scratch)));
            if (p.is_pending()) return pending;
            if (*p == 0) return {};
            left_ -= *p;
        }
        return {};
    }
    connection* c_;
    std::size_t left_;
};

struct shutdown_future {
    using output = void;
    explicit shutdown_future(io_ref& io) noexcept : io_(&io) {}
    af::poll<void> poll(context& cx) { return io_->poll_shutdown(cx); }
    io_ref* io_;
};

flush_future connection::flush_in_time() noexcept { return flush_future(this, true); }

incoming_body::~incoming_body() {
    if (c_ != nullptr) c_->body_dropped();
}

af::poll<std::optional<af::bytes>> incoming_body::poll_next(context& cx) {
    if (c_ == nullptr) throw af::error(http::error::body_gone, "af::http: request body read after its exchange ended");
    return c_->poll_body(cx);
}

header_map incoming_body::trailers() { return c_ != nullptr ? c_->take_trailers() : header_map(); }

// --- connection ---

// A head is read into a small block (head_room_, 1 KiB at first), so a keep-alive connection
// waiting for its next request holds that much rather than read_buffer_size: a read that fills
// the room doubles it (up to read_buffer_size) for the next head reads of this connection. A
// larger block left by a body read is let go here. Nothing is buffered when this runs (heads
// are parsed as they arrive), so dropping input_'s empty view makes the block unique again and
// reserve reuses it: no allocation per request.
af::poll<std::size_t> connection::poll_fill_head(context& cx) {
    input_ = af::bytes();
    rbuf_.reserve(head_room_);
    if (rbuf_.capacity() > 2 * head_room_) rbuf_ = af::bytes_mut::with_capacity(head_room_);
    const std::size_t room = rbuf_.capacity() - rbuf_.size();
    auto p = io_.poll_read(cx, rbuf_.spare_capacity());
    if (p.is_pending()) return pending;
    if (*p == room) head_room_ = std::min(2 * head_room_, std::max(o_.read_buffer_size, head_room_));
    rbuf_.advance_mut(*p);
    input_ = rbuf_.split().freeze();
    return *p;
}

af::poll<std::size_t> connection::poll_fill(context& cx) {
    rbuf_.reserve(o_.read_buffer_size);
    auto p = io_.poll_read(cx, rbuf_.spare_capacity());
    if (p.is_pending()) return pending;
    rbuf_.advance_mut(*p);
    input_ = rbuf_.split().freeze();
    return *p;
}

af::poll<void> connection::poll_flush_out(context& cx) {
    for (;;) {
        if (!writing_) {
            if (staged_.empty()) return {};
            inflight_.swap(staged_);
            slices_.clear();
            for (const af::bytes& b : inflight_) slices_.emplace_back(b.as_span());
            writing_.emplace(io_, std::span<af::io::io_slice>(slices_));
        }
        if (writing_->poll(cx).is_pending()) return pending;
        writing_.reset();
        inflight_.clear();
    }
}

af::poll<std::optional<af::bytes>> connection::poll_body(context& cx) {
    if (need_continue_) {
        need_continue_ = false;
        // A client that sent body bytes already is not waiting for the 100 (RFC 9110 10.1.1).
        if (input_.empty() && body_q_.empty()) stage(af::bytes::from_static(continue_100));
    }
    for (;;) {
        if (!body_q_.empty()) {
            af::bytes b = std::move(body_q_.front());
            body_q_.pop_front();
            return af::poll<std::optional<af::bytes>>(std::in_place, std::move(b));
        }
        if (failed()) throw af::error(err_, "af::http: reading the request body");
        if (msg_complete_) return af::detail::stream_end<af::bytes>();
        if (!input_.empty()) {
            feed(static_cast<std::size_t>(-1));
            continue;
        }
        // About to wait for the peer: what it may be waiting for (a 100, earlier responses)
        // goes out first.
        if (has_output() && poll_flush_out(cx).is_pending()) return pending;
        auto r = poll_fill(cx);
        if (r.is_pending()) {
            if (o_.body_read_timeout == never) return pending;
            if (!body_timer_) body_timer_.emplace(after(o_.body_read_timeout));
            if (body_timer_->poll(cx).is_pending()) return pending;
            fail(http::status::request_timeout, http::error::body_timed_out);
            continue;  // throws above
        }
        body_timer_.reset();  // bytes came: the next wait starts its own gap
        if (*r == 0) fail(http::status::bad_request, http::error::incomplete_body);
    }
}

bool connection::stopping() const noexcept { return stop_ != nullptr && stop_->stopping(); }

connection::wait_end connection::poll_head_wait(context& cx, af::time::instant deadline, bool watch_stop) {
    if (!wait_waker_ || !wait_waker_->will_wake(cx.waker())) {
        wait_waker_ = cx.waker();
        timer_armed_ = stop_armed_ = false;
    }
    if (!wait_timer_) {
        wait_timer_.emplace(deadline);
    } else if (deadline < wait_timer_->deadline() || (deadline != wait_timer_->deadline() && wait_timer_->is_elapsed())) {
        wait_timer_->reset(deadline);
        timer_armed_ = false;
    }
    // A registered timer at an earlier deadline wakes this task early: then it is moved on.
    while (!(timer_armed_ && !wait_timer_->is_elapsed())) {
        if (wait_timer_->poll(cx).is_pending()) {
            timer_armed_ = true;
            break;
        }
        if (wait_timer_->deadline() >= deadline) return wait_end::elapsed;
        wait_timer_->reset(deadline);
        timer_armed_ = false;
    }
    if (!watch_stop || stop_ == nullptr) return wait_end::none;
    // Made before the flag is checked below, so a stop either sets the flag seen here or
    // wakes the future (shutdown.hpp).
    if (!stop_wait_) stop_wait_.emplace(stop_->notified());
    if (!stop_armed_) {
        if (stop_wait_->poll(cx).is_ready()) return wait_end::stopped;  // only stop() wakes it
        stop_armed_ = true;
    }
    return stop_->stopping() ? wait_end::stopped : wait_end::none;
}

af::task<void> connection::close_connection(bool linger) {
    auto flushed = af::time::timeout(close_flush_time, flush_future(this));
    if (!(co_await std::move(flushed))) co_return;  // the peer does not read: drop it
    shutdown_future s(io_);
    co_await s;
    if (linger) {
        auto t = af::time::timeout(linger_time, linger_future(this, linger_limit));
        (void)co_await std::move(t);
    }
}

af::task<void> connection::respond_error_and_close(http::status s) {
    stage_error_response(s);
    co_await close_connection(true);
}

// The service's fields, then Date unless it set one (framing fields are the connection's).
void connection::stage_head_fields(const response& r, std::optional<std::uint64_t> len) {
    const bool is_head = method_ == http::method::head;
    bool user_date = false;
    for (const auto& [name, value] : r.headers()) {
        if (name == header::content_length) {
            if (!(is_head && !len)) continue;  // ours, from the body, unless HEAD of unknown size
        } else if (name == header::transfer_encoding || name == header::connection) {
            continue;  // framing is the connection's
        } else if (name == header::date) {
            user_date = true;
        }
        stage_text(name.str());
        stage_text(": ");
        stage_text(value);
        stage_text("\r\n");
    }
    if (!user_date) stage_text(http_date_line_now());
}

// The response head is staged: write it, then hand the socket and the unparsed input over.
af::task<void> connection::switch_protocols(upgrade_handler h) {
    if (!co_await flush_in_time()) co_return;
    req_timer_.reset();
    body_timer_.reset();
    wait_timer_.reset();  // no wake-ups for the handler from HTTP's waits
    stop_wait_.reset();
    upgraded io(io_, std::move(input_));
    auto handler = h(std::move(io));
    co_await std::move(handler);
}

af::task<void> connection::run(const any_service& svc) {
    bool first = true;
    std::size_t batched = 0;  // responses staged since the last write
    for (;;) {
        begin_message();
        // --- the head ---
        const auto idle_deadline = after(first ? o_.header_read_timeout : o_.keep_alive_timeout);
        std::optional<af::time::instant> head_deadline;
        while (!head_complete_ && !failed()) {
            if (input_.empty()) {
                if (stopping() && !head_started_) {  // idle while the server shuts down
                    co_await close_connection(false);
                    co_return;
                }
                if (has_output()) {
                    // The previous response (under its request's deadline), or this one's.
                    if (!co_await flush_in_time()) co_return;  // a response not written in time: drop the connection
                    batched = 0;
                    if (!head_started_) req_timer_.reset();
                }
                auto deadline = head_deadline ? *head_deadline : idle_deadline;
                const bool watch_stop = stop_ != nullptr && !head_started_;
                head_read_future read(this, deadline, watch_stop);
                const head_read r = co_await read;
                if (r.end == wait_end::stopped) {  // the server is shutting down and this connection is idle
                    co_await close_connection(false);
                    co_return;
                }
                if (r.end == wait_end::elapsed) {
                    if (head_started_) break;  // 408 below
                    co_await close_connection(false);
                    co_return;
                }
                if (r.n == 0) {
                    // The peer closed: before a head, or in the middle of one. A connection
                    // watching for the stop just ends (as it did before).
                    if (watch_stop) co_return;
                    co_await close_connection(false);
                    co_return;
                }
            }
            feed_head();
            if (head_started_ && !head_deadline) {
                const auto now = af::time::instant::now();
                head_deadline = after(now, o_.header_read_timeout);
                arm_request_timer(now, *head_deadline);
            }
        }
        if (!head_complete_ && !failed()) fail(http::status::request_timeout, http::error::timed_out);
        if (failed()) {
            co_await respond_error_and_close(err_status_);
            co_return;
        }
        first = false;

        // --- the exchange ---
        request req(method_, std::move(url_));
        req.set_version(version_);
        req.set_remote_addr(addrs_.remote);
        req.set_local_addr(addrs_.local);
        req.headers() = std::move(headers_);
        if (body_expected_) {
            auto src = std::make_unique<incoming_body>(this, has_length_ ? std::optional<std::uint64_t>(content_length_) : std::nullopt, chunked_);
            live_ = src.get();
            req.set_body(body::from_source(std::move(src)));
        }
        const bool is_head = method_ == http::method::head;
        const bool peer_wants_close = !keep_alive_;
        std::optional<response> resp;
        bool service_threw = false;
        try {
            af::task<response> t = svc(std::move(req));
            service_future sf(this, t);
            resp.emplace(co_await sf);
        } catch (...) {
            service_threw = true;
        }
        if (service_threw) {
            if (live_ != nullptr) live_->detach();
            live_ = nullptr;
            // A body error the service let escape is answered as such, the request deadline
            // with 503; anything else is ours.
            http::status s = failed() ? err_status_ : req_expired_ ? http::status::service_unavailable : http::status::internal_server_error;
            co_await respond_error_and_close(s);
            co_return;
        }

        // --- the response head ---
        const http::status st = resp->status();
        if (upgrade_handler up = resp->take_upgrade(); up && upgrade_req_) {
            const bool is_connect = method_ == http::method::connect;
            const bool switching = is_connect ? (code(st) >= 200 && code(st) < 300) : st == http::status::switching_protocols;
            if (switching) {
                if (live_ != nullptr) live_->detach();
                live_ = nullptr;
                if (body_expected_ && !msg_complete_) {
                    // The new protocol starts after the body: read past what the service left.
                    auto d = af::time::timeout(o_.header_read_timeout, drain_future(this, drain_limit));
                    bool drained = false;
                    try {
                        auto r = co_await std::move(d);
                        drained = r.has_value() && *r;
                    } catch (const std::system_error&) {
                        drained = false;
                    }
                    if (!drained) {
                        co_await close_connection(false);
                        co_return;
                    }
                }
                write_status_line(st);
                stage_head_fields(*resp, std::nullopt);
                if (!is_connect) stage_text("connection: upgrade\r\n");
                stage_text("\r\n");
                stage_wbuf();
                co_await switch_protocols(std::move(up));
                co_return;
            }
        }
        body out = resp->take_body();
        const bool no_body = is_head || forbids_body(st);
        const std::optional<std::uint64_t> len = out.length();
        bool close = peer_wants_close || stopping() || failed() || resp->headers().has_token(header::connection, "close");
        // A client told to wait for a 100 that never came may or may not send the body: the
        // connection cannot tell what comes next.
        if (body_expected_ && !msg_complete_ && need_continue_) close = true;
        if (body_expected_ && !msg_complete_ && has_length_ && content_length_ - body_bytes_ > drain_limit) close = true;
        bool chunked = false;
        if (!no_body && (!len || out.has_trailers())) {
            if (version_ == http::version::http_1_1) {
                chunked = true;
            } else {
                close = true;  // HTTP/1.0: the end of the body is the end of the connection
            }
        }
        write_status_line(st);
        stage_head_fields(*resp, len);
        if (close) {
            stage_text("connection: close\r\n");
        } else if (version_ == http::version::http_1_0) {
            stage_text("connection: keep-alive\r\n");
        }
        if (chunked) {
            stage_text("transfer-encoding: chunked\r\n");
        } else if (len && (!no_body || (is_head && code(st) >= 200 && st != http::status::no_content && st != http::status::not_modified))) {
            stage_text("content-length: ");
            stage_number(*len);
            stage_text("\r\n");
        }
        stage_text("\r\n");

        // --- the response body ---
        bool expired = false;
        try {
            if (!no_body) {
                std::uint64_t sent = 0;
                for (;;) {
                    next_chunk_future nf(this, out);
                    std::optional<af::bytes> chunk = co_await nf;
                    if (!chunk) break;
                    sent += chunk->size();
                    if (len && sent > *len) throw af::error(http::error::length_mismatch, "af::http: response body longer than its length");
                    if (chunked) {
                        stage_number(chunk->size(), 16);
                        stage_text("\r\n");
                        stage_wbuf();
                        stage(std::move(*chunk));
                        stage_text("\r\n");
                    } else {
                        stage_wbuf();
                        stage(std::move(*chunk));
                    }
                    if (!out.is_full()) {  // streamed: the next chunk is asked for once this one is written
                        stage_wbuf();
                        if (!co_await flush_in_time()) co_return;  // closing is all that is left
                        batched = 0;
                    }
                }
                if (len && sent != *len) throw af::error(http::error::length_mismatch, "af::http: response body shorter than its length");
                if (chunked) {
                    stage_text("0\r\n");
                    for (const auto& [name, value] : out.trailers()) {
                        stage_text(name.str());
                        stage_text(": ");
                        stage_text(value);
                        stage_text("\r\n");
                    }
                    stage_text("\r\n");
                }
            }
        } catch (const request_timed_out&) {
            expired = true;
        }
        if (expired) co_return;  // the response began: closing is all that is left
        stage_wbuf();
        ++batched;

        // --- the rest of the request body ---
        if (live_ != nullptr) live_->detach();
        live_ = nullptr;
        if (!close && body_expected_ && !msg_complete_) {
            auto d = af::time::timeout(o_.header_read_timeout, drain_future(this, drain_limit));
            bool drained = false;
            try {
                auto r = co_await std::move(d);
                drained = r.has_value() && *r;
            } catch (const std::system_error&) {
                drained = false;  // a malformed rest: the response is out, just close
            }
            if (!drained) close = true;
        }
        if (close || failed()) {
            co_await close_connection(true);
            co_return;
        }
        if (batched >= o_.max_pipeline_batch) {
            if (!co_await flush_in_time()) co_return;
            batched = 0;
        }
    }
}

}  // namespace

af::task<void> serve_erased(io_ref io, any_service svc, server_options opts, shutdown_signal* stop, connection_addrs addrs) {
    connection c(io, opts, stop, addrs);
    co_await c.run(svc);
}

}  // namespace af::http::detail

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Byte streams across the bridge, both ways:
///   - `af::asio::stream<S>`: an Asio `AsyncReadStream` + `AsyncWriteStream` (`tcp::socket`, a
///     Beast `tcp_stream`, an `ssl::stream`) seen as an af byte stream (`af::io::async_read` and
///     `async_write`), so af code (`read_exact`, `copy`, `framed`, `af::http`) runs over it;
///   - `af::asio::asio_stream<T>`: an af byte stream (`af::net::tcp_stream`, a duplex pipe) seen
///     as an Asio `AsyncReadStream` + `AsyncWriteStream`, so `boost::asio::async_read`,
///     `async_write` and Beast's `http::async_read` / `async_write` run over it, with any token.
///
///     // af over Asio: the socket's operations run on its io_context, the task anywhere
///     af::asio::stream s(std::move(socket));
///     co_await af::io::write_all(s, header);
///     std::size_t n = co_await af::io::read(s, buf);      // 0: the peer closed (asio's eof)
///
///     // Asio over af: Beast reads a request from an af socket
///     af::asio::asio_stream s(std::move(conn), ioc.get_executor());
///     co_await http::async_read(s, buffer, req, boost::asio::use_awaitable);
///
/// End of stream: Asio's `error::eof` is af's ready-0 read, both ways.
/// Errors: `stream` throws `std::system_error` with Asio's error code; `asio_stream` completes
/// with the `std::system_error`'s code (as a `boost::system::error_code`).
///
/// stream<S> cancellation and buffers: a read reads into a buffer the adaptor owns (not the
/// caller's), then copies into the caller's. A dropped af read (a lost `select`, a timeout)
/// loses nothing: the Asio read stays in flight and the next `poll_read` gets its bytes. A
/// write copies the caller's bytes into the adaptor's buffer and is accepted at once (it is
/// sent in the background, one buffer in flight; `poll_flush` waits for it), so the caller's
/// buffer is free as soon as `poll_write` returns. Dropping the adaptor cancels both Asio
/// operations (terminal cancellation through af::asio::use_future) and destroys the Asio
/// stream on its executor once they finished: bytes read but not yet returned and bytes
/// accepted but not yet sent are lost. The Asio stream's execution context must outlive it.
///
/// asio_stream<T> cancellation: each operation runs as an af task on the stream's executor
/// (af::asio::spawn); a terminal cancellation on the handler's slot drops it and completes with
/// `operation_aborted`. A cancelled read has received nothing into the buffer; a cancelled
/// write has sent nothing (af writes are all-or-nothing per poll).
///
/// Resumes on: stream<S>'s Asio operations run on S's executor and wake the af task, which
/// resumes on its own executor. asio_stream<T>'s handlers run on their associated executor
/// (the stream's, by default) and T is polled on the stream's executor: T's runtime must
/// drive its reactor (an af::rt runtime with I/O, on its own threads).
///
/// Thread safety: as for the wrapped streams. One read and one write at a time; a stream<S>
/// may be used by one af task at a time, from any thread; an asio_stream by one Asio
/// operation per direction, on one strand (as any Asio socket). See docs/book/asio.md.
#include <algorithm>     // std::min
#include <cstddef>       // std::byte, std::size_t
#include <cstring>       // std::memcpy: into and out of the owned buffers
#include <memory>        // std::shared_ptr: the buffers the Asio operations keep
#include <optional>      // the operations in flight
#include <span>          // af::io buffers
#include <system_error>  // std::system_error
#include <tuple>         // the operations' (error_code, size_t) completions
#include <utility>       // std::pair
#include <type_traits>   // std::decay_t
#include <vector>        // the owned buffers

#include <boost/asio/associator.hpp>    // forward the handler's executor, slot, allocator
#include <boost/asio/async_result.hpp>  // async_initiate
#include <boost/asio/buffer.hpp>        // buffer sequences
#include <boost/asio/error.hpp>         // error::eof, operation_aborted
#include <boost/asio/post.hpp>          // the Asio stream is destroyed on its executor
#include <boost/asio/socket_base.hpp>   // shutdown_send
#include <boost/asio/write.hpp>         // one composed write per owned buffer

#include "af/asio/spawn.hpp"
#include "af/asio/use_future.hpp"
#include "af/core/error.hpp"
#include "af/core/future.hpp"
#include "af/io/async_read.hpp"
#include "af/io/async_write.hpp"

namespace af::asio {

namespace detail {

/// An Asio stream's shutdown of its sending side: `shutdown(shutdown_send, ec)` (sockets),
/// `async_shutdown` (ssl::stream), or nothing (the stream has no such notion).
template <class S>
struct shutdown_initiation {
    using executor_type = typename S::executor_type;
    S* s;
    executor_type get_executor() const noexcept { return s->get_executor(); }
    template <class Handler>
    void operator()(Handler&& h) const {
        boost::system::error_code ec;
        if constexpr (requires { s->shutdown(boost::asio::socket_base::shutdown_send, ec); }) {
            s->shutdown(boost::asio::socket_base::shutdown_send, ec);
        } else if constexpr (requires { s->socket().shutdown(boost::asio::socket_base::shutdown_send, ec); }) {
            s->socket().shutdown(boost::asio::socket_base::shutdown_send, ec);  // beast::tcp_stream
        }
        std::move(h)(ec);
    }
};

/// What `stream<S>` keeps on the heap, so the adaptor moves freely while operations are in
/// flight (they hold `s`'s address and the buffers).
template <class S>
struct stream_state {
    using read_future = decltype(std::declval<S&>().async_read_some(boost::asio::mutable_buffer(), use_future_tuple));
    using write_future =
        decltype(boost::asio::async_write(std::declval<S&>(), boost::asio::const_buffer(), use_future_tuple));
    using shutdown_future = decltype(boost::asio::async_initiate<const use_future_tuple_t&, void(boost::system::error_code)>(
        shutdown_initiation<S>{nullptr}, use_future_tuple));

    explicit stream_state(S&& s, std::size_t cap)
        : sock(std::make_shared<S>(std::move(s))),
          rbuf(std::make_shared<std::vector<std::byte>>(cap)),
          wbuf(std::make_shared<std::vector<std::byte>>(cap)) {}

    ~stream_state() {
        // Cancel first (the futures' destructors emit on the executor), then let the socket go
        // on that executor, after the cancellations: Asio objects are not thread-safe.
        read.reset();
        write.reset();
        shutdown.reset();
        auto ex = sock->get_executor();
        try {
            boost::asio::post(ex, [s = std::move(sock)]() mutable { s.reset(); });
        } catch (...) {
            // Out of memory: the socket is destroyed here, racing its executor at worst.
        }
    }

    std::shared_ptr<S> sock;
    // Reads land in rbuf; [rpos, rend) is what the last read got and the caller has not.
    std::shared_ptr<std::vector<std::byte>> rbuf;
    std::size_t rpos = 0, rend = 0;
    bool eof = false;
    std::optional<read_future> read;
    std::shared_ptr<std::vector<std::byte>> wbuf;
    std::optional<write_future> write;
    std::optional<shutdown_future> shutdown;
    bool shut = false;
};

[[noreturn]] inline void throw_asio_error(const boost::system::error_code& ec, const char* what) {
    throw std::system_error(static_cast<std::error_code>(ec), what);
}

}  // namespace detail

/// An Asio stream as an af byte stream; see the file comment. Movable, also with operations in
/// flight.
template <class S>
class stream {
public:
    using next_layer_type = S;
    /// The default size of each of the two owned buffers (the most one read or write moves).
    static constexpr std::size_t default_buffer_size = 16 * 1024;

    explicit stream(S s, std::size_t buffer_size = default_buffer_size)
        : st_(std::make_unique<detail::stream_state<S>>(std::move(s), buffer_size == 0 ? 1 : buffer_size)) {}

    /// The Asio stream, for options and addresses. Use it on its executor only, and not for
    /// reads or writes while the adaptor has one in flight.
    S& next_layer() noexcept { return *st_->sock; }
    const S& next_layer() const noexcept { return *st_->sock; }

    /// af::io::async_read: what the Asio stream received, up to `buf.size()` bytes; 0 at end of
    /// stream (Asio's eof). Throws std::system_error with Asio's code. Cancellation: safe, the
    /// read in flight stays with the adaptor (see the file comment).
    af::poll<std::size_t> poll_read(context& cx, std::span<std::byte> buf) {
        auto& st = *st_;
        if (buf.empty()) return std::size_t{0};
        if (st.rpos == st.rend) {
            if (st.eof) return std::size_t{0};
            if (!st.read) {
                std::size_t want = std::min(buf.size(), st.rbuf->size());
                st.read.emplace(
                    st.sock->async_read_some(boost::asio::mutable_buffer(st.rbuf->data(), want), use_future_tuple).keep(st.rbuf));
            }
            auto p = st.read->poll(cx);
            if (p.is_pending()) return pending;
            auto [ec, n] = std::move(p).value();
            st.read.reset();
            if (ec == boost::asio::error::eof) {
                st.eof = true;
                return std::size_t{0};
            }
            if (ec) detail::throw_asio_error(ec, "asio read");
            st.rpos = 0;
            st.rend = n;
        }
        std::size_t n = std::min(buf.size(), st.rend - st.rpos);
        std::memcpy(buf.data(), st.rbuf->data() + st.rpos, n);
        st.rpos += n;
        return n;
    }

    /// af::io::async_write: copies up to the buffer size of `buf` and sends it in the
    /// background; pending while the previous buffer is still being sent. Errors of a send
    /// throw from the next poll_write, poll_flush or poll_shutdown.
    af::poll<std::size_t> poll_write(context& cx, std::span<const std::byte> buf) {
        auto& st = *st_;
        if (st.shut) throw std::system_error(std::make_error_code(std::errc::broken_pipe), "asio write after shutdown");
        if (poll_sent(cx).is_pending()) return pending;
        if (buf.empty()) return std::size_t{0};
        std::size_t n = std::min(buf.size(), st.wbuf->size());
        std::memcpy(st.wbuf->data(), buf.data(), n);
        st.write.emplace(
            boost::asio::async_write(*st.sock, boost::asio::const_buffer(st.wbuf->data(), n), use_future_tuple).keep(st.wbuf));
        (void)poll_sent(cx);  // starts it (af futures are lazy); the waker is the caller's
        return n;
    }

    /// Ready once every accepted byte was handed to the Asio stream.
    af::poll<void> poll_flush(context& cx) { return poll_sent(cx); }

    /// Flushes, then shuts down the Asio stream's sending side (sockets: `shutdown_send`; a
    /// Beast tcp_stream: its socket's). The peer's reads then see end of stream.
    af::poll<void> poll_shutdown(context& cx) {
        auto& st = *st_;
        if (poll_sent(cx).is_pending()) return pending;
        if (st.shut) return {};
        if (!st.shutdown) {
            st.shutdown.emplace(boost::asio::async_initiate<const use_future_tuple_t&, void(boost::system::error_code)>(
                detail::shutdown_initiation<S>{st.sock.get()}, use_future_tuple));
        }
        auto p = st.shutdown->poll(cx);
        if (p.is_pending()) return pending;
        auto [ec] = std::move(p).value();
        st.shutdown.reset();
        st.shut = true;
        if (ec && ec != boost::asio::error::not_connected) detail::throw_asio_error(ec, "asio shutdown");
        return {};
    }

private:
    af::poll<void> poll_sent(context& cx) {
        auto& st = *st_;
        if (!st.write) return {};
        auto p = st.write->poll(cx);
        if (p.is_pending()) return pending;
        auto [ec, n] = std::move(p).value();
        (void)n;
        st.write.reset();
        if (ec) detail::throw_asio_error(ec, "asio write");
        return {};
    }

    std::unique_ptr<detail::stream_state<S>> st_;
};

template <class S>
stream(S) -> stream<S>;
template <class S>
stream(S, std::size_t) -> stream<S>;

namespace detail {

/// An af error as an Asio one: OS errors in Boost's categories, so they compare equal to
/// `boost::asio::error` values.
inline boost::system::error_code to_asio_error(const std::error_code& e) {
    if (e.category() == std::system_category()) return {e.value(), boost::system::system_category()};
    if (e.category() == std::generic_category()) return {e.value(), boost::system::generic_category()};
    if (e == make_error_code(af::errc::cancelled)) return boost::asio::error::operation_aborted;
    return boost::system::error_code(e);
}

using io_result = std::pair<boost::system::error_code, std::size_t>;

/// The Asio completion of an asio_stream operation: turns spawn's (exception_ptr, io_result)
/// into the stream signature (error_code, size_t). Asio's associators see through it.
template <class Handler>
struct io_completion {
    Handler h;
    void operator()(std::exception_ptr e, io_result r) {
        if (e) {
            r.second = 0;
            try {
                std::rethrow_exception(e);
            } catch (const std::system_error& x) {
                r.first = to_asio_error(x.code());  // af::errc::cancelled: the task was dropped
            } catch (...) {
                r.first = boost::system::errc::make_error_code(boost::system::errc::io_error);
            }
        }
        std::move(h)(r.first, r.second);
    }
};

/// One poll_read of an af stream into the first non-empty buffer of a sequence; af's ready 0
/// is Asio's eof.
template <class T, class Buffers>
struct read_some_future {
    using output = io_result;
    T* s;
    Buffers b;
    af::poll<io_result> poll(context& cx) {
        for (auto it = boost::asio::buffer_sequence_begin(b); it != boost::asio::buffer_sequence_end(b); ++it) {
            boost::asio::mutable_buffer m(*it);
            if (m.size() == 0) continue;
            auto p = s->poll_read(cx, std::span<std::byte>(static_cast<std::byte*>(m.data()), m.size()));
            if (p.is_pending()) return pending;
            std::size_t n = p.value();
            if (n == 0) return io_result(boost::asio::error::eof, 0);
            return io_result({}, n);
        }
        return io_result({}, 0);  // an empty sequence completes at once, as Asio's sockets do
    }
};

/// One poll_write of the first non-empty buffer of a sequence.
template <class T, class Buffers>
struct write_some_future {
    using output = io_result;
    T* s;
    Buffers b;
    af::poll<io_result> poll(context& cx) {
        for (auto it = boost::asio::buffer_sequence_begin(b); it != boost::asio::buffer_sequence_end(b); ++it) {
            boost::asio::const_buffer c(*it);
            if (c.size() == 0) continue;
            auto p = s->poll_write(cx, std::span<const std::byte>(static_cast<const std::byte*>(c.data()), c.size()));
            if (p.is_pending()) return pending;
            std::size_t n = p.value();
            if (n == 0) return io_result(boost::asio::error::broken_pipe, 0);
            return io_result({}, n);
        }
        return io_result({}, 0);
    }
};

template <class Executor, class T, template <class, class> class Future>
struct io_initiation {
    using executor_type = Executor;
    Executor ex;
    T* s;
    executor_type get_executor() const noexcept { return ex; }
    template <class Handler, class Buffers>
    void operator()(Handler&& h, const Buffers& b) const {
        af::asio::spawn(ex, Future<T, Buffers>{s, b}, io_completion<std::decay_t<Handler>>{std::forward<Handler>(h)});
    }
};

}  // namespace detail

/// An af byte stream as an Asio AsyncReadStream + AsyncWriteStream; see the file comment.
/// Owns `T`; reach it with `get()`.
template <class T, class Executor = boost::asio::any_io_executor>
    requires af::io::async_read<T> && af::io::async_write<T>
class asio_stream {
public:
    using executor_type = Executor;
    using next_layer_type = T;
    using lowest_layer_type = asio_stream;  // Beast's get_lowest_layer stops here

    asio_stream(T s, Executor ex) : s_(std::make_unique<T>(std::move(s))), ex_(std::move(ex)) {}

    executor_type get_executor() const noexcept { return ex_; }
    T& get() noexcept { return *s_; }
    const T& get() const noexcept { return *s_; }

    /// Reads some bytes into `buffers` (an Asio MutableBufferSequence): completes with
    /// `(error_code, n)`; `error::eof` at end of stream, `operation_aborted` when cancelled.
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            detail::io_initiation<Executor, T, detail::read_some_future>{ex_, s_.get()}, token, buffers);
    }

    /// Writes some bytes of `buffers` (an Asio ConstBufferSequence): completes with
    /// `(error_code, n)`; `broken_pipe` when the af stream accepts no more.
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            detail::io_initiation<Executor, T, detail::write_some_future>{ex_, s_.get()}, token, buffers);
    }

private:
    std::unique_ptr<T> s_;  // on the heap: operations in flight hold its address across moves
    Executor ex_;
};

template <class T, class Executor>
asio_stream(T, Executor) -> asio_stream<T, Executor>;

}  // namespace af::asio

template <template <class, class> class Associator, class Handler, class DefaultCandidate>
struct boost::asio::associator<Associator, af::asio::detail::io_completion<Handler>, DefaultCandidate>
    : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type get(
        const af::asio::detail::io_completion<Handler>& h) noexcept {
        return Associator<Handler, DefaultCandidate>::get(h.h);
    }
    static auto get(const af::asio::detail::io_completion<Handler>& h, const DefaultCandidate& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.h, c)) {
        return Associator<Handler, DefaultCandidate>::get(h.h, c);
    }
};

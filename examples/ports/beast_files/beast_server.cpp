// SPDX-License-Identifier: MIT
/// \file
/// The file server as Beast's http_server_async example shapes it (Boost 1.81): a listener
/// and one `session` per connection, each a chain of callbacks (read -> handle -> write ->
/// read) kept alive by `shared_from_this`, on a strand per connection, N threads on one
/// io_context. Written for af's port comparison (docs/ports/beast_files.md), not copied.
///
///     beast_files_beast ADDRESS PORT DOC_ROOT THREADS          (Beast's own command line)
///
/// Built twice from this file:
///   - `beast_files_beast`: the request handler is a plain function on the session's strand
///     (it opens the file there, as the original does: a slow disk blocks that thread);
///   - `beast_files_mixed` (BEAST_FILES_AF_HANDLER): the one handler rewritten as an af task.
///     It runs on an af runtime, opens the file on af's blocking pool, and its result comes
///     back to the session's strand through af::asio::spawn's callback. The rest of the
///     server (accept, read, write, keep-alive, timeouts) is untouched Beast code: the
///     incremental step issue 15 asks for.
/// Prints "listening on PORT" once it accepts (PORT 0 picks a free one).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>

#include "files_common.hpp"

#ifdef BEAST_FILES_AF_HANDLER
#include "af/asio/spawn.hpp"
#include "af/core/task.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn_blocking.hpp"
#endif

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using request = http::request<http::string_body>;

template <class Body>
void common_fields(http::response<Body>& res, const request& req, std::string_view type) {
    res.set(http::field::server, BOOST_BEAST_VERSION_STRING);
    res.set(http::field::content_type, type);
    res.keep_alive(req.keep_alive());
}

http::message_generator text_response(const request& req, http::status s, std::string body) {
    http::response<http::string_body> res{s, req.version()};
    common_fields(res, req, "text/html");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

/// Opens `path` for the body; blocking (it touches the disk).
std::pair<beast::error_code, http::file_body::value_type> open_file(const std::string& path) {
    std::pair<beast::error_code, http::file_body::value_type> r;
    r.second.open(path.c_str(), beast::file_mode::scan, r.first);
    return r;
}

/// The answer once the file is open (or failed to open).
http::message_generator file_response(const request& req, const std::string& path, beast::error_code ec,
                                      http::file_body::value_type body) {
    if (ec == beast::errc::no_such_file_or_directory) {
        return text_response(req, http::status::not_found, beast_files::not_found_text(req.target()));
    }
    if (ec) return text_response(req, http::status::internal_server_error, beast_files::server_error_text(ec.message()));
    const auto size = body.size();
    if (req.method() == http::verb::head) {
        http::response<http::empty_body> res{http::status::ok, req.version()};
        common_fields(res, req, beast_files::mime_type(path));
        res.content_length(size);
        return res;
    }
    http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                        std::make_tuple(http::status::ok, req.version())};
    common_fields(res, req, beast_files::mime_type(path));
    res.content_length(size);
    return res;
}

/// The checks before any file is touched: an answer, or nothing when the file is to be served.
std::optional<http::message_generator> refuse(const request& req) {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        return text_response(req, http::status::bad_request, "Unknown HTTP-method");
    }
    if (auto why = beast_files::refuse_target(req.target()); !why.empty()) {
        return text_response(req, http::status::bad_request, std::string(why));
    }
    return std::nullopt;
}

#ifndef BEAST_FILES_AF_HANDLER
// The handler, Beast-style: synchronous, on the session's strand.
http::message_generator handle_request(const std::string& root, request&& req) {
    if (auto r = refuse(req)) return std::move(*r);
    std::string path = beast_files::file_path(root, req.target());
    auto [ec, body] = open_file(path);
    return file_response(req, path, ec, std::move(body));
}
#else
// The same handler as an af task: the open goes to af's blocking pool, so the session's
// thread keeps serving other connections meanwhile. Its output must be default-constructible
// for af::asio::spawn (the error path passes an empty one), hence the optional.
af::task<std::optional<http::message_generator>> handle_request(std::shared_ptr<const std::string> root, request req) {
    if (auto r = refuse(req)) co_return std::move(*r);
    std::string path = beast_files::file_path(*root, req.target());
    auto opening = af::rt::spawn_blocking([path] { return open_file(path); });
    auto [ec, body] = co_await std::move(opening);
    co_return file_response(req, path, ec, std::move(body));
}
std::optional<af::rt::handle> af_runtime;  // set in main, before the first connection
#endif

void fail(beast::error_code ec, const char* what) {
    if (ec != net::error::operation_aborted) std::fprintf(stderr, "%s: %s\n", what, ec.message().c_str());
}

class session : public std::enable_shared_from_this<session> {
public:
    session(tcp::socket&& socket, std::shared_ptr<const std::string> root)
        : stream_(std::move(socket)), root_(std::move(root)) {}

    void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::do_read, shared_from_this())); }

private:
    void do_read() {
        req_ = {};
        stream_.expires_after(std::chrono::seconds(30));
        http::async_read(stream_, buffer_, req_, beast::bind_front_handler(&session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) return do_close();
        if (ec) return fail(ec, "read");
#ifndef BEAST_FILES_AF_HANDLER
        send_response(handle_request(*root_, std::move(req_)));
#else
        // The handler runs on the af runtime; its join handle is an af future, which
        // af::asio::spawn awaits on this session's strand and completes the callback there.
        auto handled = af_runtime->spawn(handle_request(root_, std::move(req_)));
        af::asio::spawn(stream_.get_executor(), std::move(handled),
                        beast::bind_front_handler(&session::on_handled, shared_from_this()));
#endif
    }

#ifdef BEAST_FILES_AF_HANDLER
    void on_handled(std::exception_ptr e, std::optional<http::message_generator> msg) {
        if (e || !msg) return do_close();  // the handler threw: drop the connection, as a crash of it would
        send_response(std::move(*msg));
    }
#endif

    void send_response(http::message_generator&& msg) {
        const bool keep_alive = msg.keep_alive();
        beast::async_write(stream_, std::move(msg),
                           beast::bind_front_handler(&session::on_write, shared_from_this(), keep_alive));
    }

    void on_write(bool keep_alive, beast::error_code ec, std::size_t) {
        if (ec) return fail(ec, "write");
        if (!keep_alive) return do_close();
        do_read();
    }

    void do_close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<const std::string> root_;
    request req_;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, tcp::endpoint ep, std::shared_ptr<const std::string> root)
        : ioc_(ioc), acceptor_(net::make_strand(ioc)), root_(std::move(root)) {
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(net::socket_base::max_listen_connections);
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    void run() { do_accept(); }

private:
    void do_accept() {
        acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }
    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec) return fail(ec, "accept");
        std::make_shared<session>(std::move(socket), root_)->run();
        do_accept();
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    std::shared_ptr<const std::string> root_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s ADDRESS PORT DOC_ROOT THREADS\n", argv[0]);
        return 2;
    }
    try {
        const auto address = net::ip::make_address(argv[1]);
        const auto port = static_cast<unsigned short>(std::atoi(argv[2]));
        auto root = std::make_shared<const std::string>(argv[3]);
        const int threads = std::max(1, std::atoi(argv[4]));
#ifdef BEAST_FILES_AF_HANDLER
        // One af worker next to the Asio threads: the handler is short, the blocking pool
        // takes the disk.
        af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(1).enable_all().build();
        af_runtime = rt.handle();
#endif
        net::io_context ioc{threads};
        auto l = std::make_shared<listener>(ioc, tcp::endpoint{address, port}, root);
        l->run();
        std::printf("listening on %u\n", static_cast<unsigned>(l->port()));
        std::fflush(stdout);
        std::vector<std::thread> pool;
        for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        for (auto& t : pool) t.join();
#ifdef BEAST_FILES_AF_HANDLER
        af_runtime.reset();
#endif
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 1;
    }
}

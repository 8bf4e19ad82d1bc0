// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::http::service` concept (anything callable from a request to a future of a
/// response) and `af::http::any_service`, the type-erased form a server stores.
///
///     auto hello = [](af::http::request) -> af::task<af::http::response> {
///         co_return af::http::response(af::http::status::ok, "hello\n");
///     };
///     static_assert(af::http::service<decltype(hello)>);
///     af::http::any_service s = hello;   // what server and serve_connection take
///
/// A service is called once per request, from the connection's task, and may be called from
/// several connections (threads) at once: it must be copyable and safe to call concurrently
/// (a lambda without mutable captures is). Its future runs inside the connection's task; the
/// connection writes the response when it is ready. An exception escaping the future becomes a
/// 500 response (or, once the response has begun, a closed connection).
///
/// `any_service` costs nothing extra for the common case: a callable returning
/// `af::task<response>` is stored as it is (a task is already type-erased); another future is
/// wrapped in a task frame. See docs/design/0020-http-body-and-service.md.
#include <concepts>     // std::invocable
#include <memory>       // shared ownership of the callable
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move

#include "af/core/future.hpp"
#include "af/core/task.hpp"
#include "af/http/request.hpp"
#include "af/http/response.hpp"

namespace af::http {

template <class S>
concept service = std::copy_constructible<S> && std::invocable<S&, request> &&
                  af::future<std::invoke_result_t<S&, request>> &&
                  std::same_as<af::output_of<std::invoke_result_t<S&, request>>, response>;

/// A service behind a shared pointer: copies share the callable (one per server, not per
/// connection).
class any_service {
public:
    template <class S>
        requires(!std::same_as<S, any_service>) && service<S>
    any_service(S s)  // NOLINT: implicit on purpose, a lambda converts
        : self_(std::make_shared<S>(std::move(s))), call_(&call<S>) {}

    af::task<response> operator()(request r) const { return call_(self_.get(), std::move(r)); }

private:
    template <class S>
    static af::task<response> call(void* self, request r) {
        using F = std::invoke_result_t<S&, request>;
        if constexpr (std::same_as<F, af::task<response>>) {
            return (*static_cast<S*>(self))(std::move(r));
        } else {
            return wrap<S>(static_cast<S*>(self), std::move(r));
        }
    }
    template <class S>
    static af::task<response> wrap(S* s, request r) {
        auto f = (*s)(std::move(r));  // named: see "GCC 12 and temporaries" in the book
        co_return co_await std::move(f);
    }

    std::shared_ptr<void> self_;
    af::task<response> (*call_)(void*, request);
};

}  // namespace af::http

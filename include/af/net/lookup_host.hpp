// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::net::lookup_host("name:port")`: resolves a host name to socket addresses with
/// getaddrinfo, on the runtime's blocking pool (getaddrinfo blocks; a worker must not).
///
///     std::vector<af::net::socket_addr> addrs = co_await af::net::lookup_host("localhost:8080");
///     auto conn = co_await af::net::tcp_stream::connect(addrs.front());
///
/// Accepts "host:port" and "[v6]:port"; a numeric address is returned without a lookup. The
/// result keeps the resolver's order (try them in turn) and holds no duplicates.
///
/// Errors: std::invalid_argument for text without a port; std::system_error with the resolver's
/// error (category "getaddrinfo", message from gai_strerror: "lookup_host nosuch.invalid:80:
/// Name or service not known"); std::logic_error outside a runtime.
///
/// Cancellation: dropping the future leaves the lookup running to completion on the pool (it
/// cannot be interrupted); its result is discarded. Thread safety: any task.
#include <string>  // the name
#include <system_error>  // the category
#include <vector>  // the result

#include "af/core/task.hpp"
#include "af/net/socket_addr.hpp"

namespace af::net {

af::task<std::vector<socket_addr>> lookup_host(std::string host_and_port);

/// The category of getaddrinfo's EAI_* codes (messages from gai_strerror).
const std::error_category& gai_category() noexcept;

}  // namespace af::net

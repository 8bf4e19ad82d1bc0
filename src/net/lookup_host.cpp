// SPDX-License-Identifier: MIT
// lookup_host: getaddrinfo on the blocking pool.
#include "af/net/lookup_host.hpp"

#include <netdb.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "af/rt/spawn_blocking.hpp"

namespace af::net {
namespace {

class gai_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "getaddrinfo"; }
    std::string message(int c) const override { return ::gai_strerror(c); }
};

struct split_name {
    std::string host;
    std::string port;
};

split_name split(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size()) {
        throw std::invalid_argument("lookup_host: '" + text + "' has no port; expected host:port");
    }
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {host, text.substr(colon + 1)};
}

std::vector<socket_addr> resolve(const std::string& text) {
    // getaddrinfo reads C strings: a NUL would silently cut the name short.
    if (text.find('\0') != std::string::npos) {
        throw std::invalid_argument("lookup_host: the name contains a NUL byte");
    }
    split_name n = split(text);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;  // one entry per address instead of one per socket type
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(n.host.c_str(), n.port.c_str(), &hints, &res);
    if (rc != 0) {
        if (rc == EAI_SYSTEM) throw std::system_error(errno, std::generic_category(), "lookup_host " + text);
        throw std::system_error(rc, gai_category(), "lookup_host " + text);
    }
    std::vector<socket_addr> out;
    for (addrinfo* p = res; p != nullptr; p = p->ai_next) {
        if (p->ai_family != AF_INET && p->ai_family != AF_INET6) continue;
        socket_addr a = socket_addr::from_sockaddr(p->ai_addr, p->ai_addrlen);
        if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    }
    ::freeaddrinfo(res);
    return out;
}

}  // namespace

const std::error_category& gai_category() noexcept {
    static const gai_category_impl c;
    return c;
}

af::task<std::vector<socket_addr>> lookup_host(std::string host_and_port) {
    // A numeric address needs no lookup (and no pool thread).
    std::vector<socket_addr> numeric;
    try {
        numeric.push_back(socket_addr::parse(host_and_port));
    } catch (const std::invalid_argument&) {
    }
    if (!numeric.empty()) co_return numeric;
    split(host_and_port);  // a missing port is the caller's mistake: throw it here, not on the pool
    // GCC 12 miscompiles a capturing lambda inside a co_await operand: build the handle first.
    auto job = af::rt::spawn_blocking([text = std::move(host_and_port)] { return resolve(text); });
    co_return co_await std::move(job);
}

}  // namespace af::net

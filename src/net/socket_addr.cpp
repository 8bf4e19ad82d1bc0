// SPDX-License-Identifier: MIT
// socket_addr: numeric parsing and printing with inet_pton / inet_ntop; scope ids accept an
// interface name or a number.
#include "af/net/socket_addr.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace af::net {
namespace {

// Shows a NUL as \0 so the message is not cut short where the address was.
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\0') out += "\\0";
        else out += c;
    }
    return out;
}

[[noreturn]] void bad(std::string_view text, const char* why) {
    throw std::invalid_argument("invalid socket address '" + printable(text) + "': " + why);
}

// inet_pton reads a C string: "127.0.0.1\0evil" would parse as 127.0.0.1. Addresses are checked
// against allow-lists, so a NUL byte anywhere is an error, not a terminator.
void reject_nul(std::string_view text) {
    if (text.find('\0') != std::string_view::npos) bad(text, "contains a NUL byte");
}

std::uint16_t parse_port(std::string_view all, std::string_view p) {
    if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        bad(all, "the port must be a number from 0 to 65535");
    }
    unsigned long v = std::stoul(std::string(p));
    if (v > 65535) bad(all, "the port must be a number from 0 to 65535");
    return static_cast<std::uint16_t>(v);
}

// Fills `out` from a numeric IP (no brackets); false when it is not one.
bool parse_ip(std::string_view ip, socket_addr& out, std::uint16_t port) {
    std::string s(ip);
    sockaddr_in v4{};
    if (::inet_pton(AF_INET, s.c_str(), &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(port);
        out = socket_addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
        return true;
    }
    sockaddr_in6 v6{};
    std::string scope;
    if (auto pct = s.find('%'); pct != std::string::npos) {
        scope = s.substr(pct + 1);
        s.resize(pct);
        if (scope.empty()) return false;
    }
    if (::inet_pton(AF_INET6, s.c_str(), &v6.sin6_addr) != 1) return false;
    if (!scope.empty()) {
        if (std::all_of(scope.begin(), scope.end(), [](char c) { return c >= '0' && c <= '9'; }) && scope.size() < 10) {
            v6.sin6_scope_id = static_cast<std::uint32_t>(std::stoul(scope));
        } else {
            v6.sin6_scope_id = ::if_nametoindex(scope.c_str());
            if (v6.sin6_scope_id == 0) return false;
        }
    }
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    out = socket_addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&v6), sizeof v6);
    return true;
}

}  // namespace

socket_addr::socket_addr() noexcept {
    std::memset(&storage_, 0, sizeof storage_);
    storage_.v4.sin_family = AF_INET;
}

socket_addr socket_addr::parse(std::string_view text) {
    reject_nul(text);
    socket_addr a;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) bad(text, "missing ']' after the IPv6 address");
        if (close + 1 >= text.size() || text[close + 1] != ':') bad(text, "expected ':port' after ']'");
        std::uint16_t port = parse_port(text, text.substr(close + 2));
        std::string_view ip = text.substr(1, close - 1);
        if (ip.find(':') == std::string_view::npos || !parse_ip(ip, a, port) || a.is_ipv4()) {
            bad(text, "not an IPv6 address inside the brackets");
        }
        return a;
    }
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) bad(text, "expected ip:port or [ipv6]:port");
    std::string_view ip = text.substr(0, colon);
    if (ip.find(':') != std::string_view::npos) bad(text, "an IPv6 address needs brackets: [ipv6]:port");
    std::uint16_t port = parse_port(text, text.substr(colon + 1));
    if (!parse_ip(ip, a, port)) bad(text, "not an IPv4 address");
    return a;
}

socket_addr socket_addr::from_ip(std::string_view ip, std::uint16_t port) {
    socket_addr a;
    if (ip.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("invalid IP address '" + printable(ip) + "': contains a NUL byte");
    }
    if (!parse_ip(ip, a, port)) {
        throw std::invalid_argument("invalid IP address '" + std::string(ip) + "'");
    }
    return a;
}

socket_addr socket_addr::v4_loopback(std::uint16_t port) noexcept {
    socket_addr a;
    a.storage_.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.storage_.v4.sin_port = htons(port);
    return a;
}

socket_addr socket_addr::v6_loopback(std::uint16_t port) noexcept {
    socket_addr a;
    std::memset(&a.storage_, 0, sizeof a.storage_);
    a.storage_.v6.sin6_family = AF_INET6;
    a.storage_.v6.sin6_addr = in6addr_loopback;
    a.storage_.v6.sin6_port = htons(port);
    return a;
}

socket_addr socket_addr::v4_any(std::uint16_t port) noexcept {
    socket_addr a;
    a.storage_.v4.sin_port = htons(port);
    return a;
}

socket_addr socket_addr::v6_any(std::uint16_t port) noexcept {
    socket_addr a;
    std::memset(&a.storage_, 0, sizeof a.storage_);
    a.storage_.v6.sin6_family = AF_INET6;
    a.storage_.v6.sin6_addr = in6addr_any;
    a.storage_.v6.sin6_port = htons(port);
    return a;
}

socket_addr socket_addr::from_sockaddr(const sockaddr* sa, socklen_t len) {
    socket_addr a;
    std::memset(&a.storage_, 0, sizeof a.storage_);
    if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        std::memcpy(&a.storage_.v4, sa, sizeof(sockaddr_in));
    } else if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        std::memcpy(&a.storage_.v6, sa, sizeof(sockaddr_in6));
        a.storage_.v6.sin6_flowinfo = 0;  // not part of the address's identity
    } else {
        throw std::invalid_argument("socket_addr: not an IPv4 or IPv6 address (family " +
                                    std::to_string(sa->sa_family) + ")");
    }
    return a;
}

std::string socket_addr::ip() const {
    char buf[INET6_ADDRSTRLEN + 16];
    if (is_ipv4()) {
        ::inet_ntop(AF_INET, &storage_.v4.sin_addr, buf, sizeof buf);
        return buf;
    }
    ::inet_ntop(AF_INET6, &storage_.v6.sin6_addr, buf, sizeof buf);
    std::string s = buf;
    if (storage_.v6.sin6_scope_id != 0) s += "%" + std::to_string(storage_.v6.sin6_scope_id);
    return s;
}

std::uint16_t socket_addr::port() const noexcept {
    return ntohs(is_ipv4() ? storage_.v4.sin_port : storage_.v6.sin6_port);
}

void socket_addr::set_port(std::uint16_t port) noexcept {
    if (is_ipv4()) {
        storage_.v4.sin_port = htons(port);
    } else {
        storage_.v6.sin6_port = htons(port);
    }
}

std::uint32_t socket_addr::scope_id() const noexcept { return is_ipv4() ? 0 : storage_.v6.sin6_scope_id; }

std::string socket_addr::to_string() const {
    if (is_ipv4()) return ip() + ":" + std::to_string(port());
    return "[" + ip() + "]:" + std::to_string(port());
}

std::strong_ordering operator<=>(const socket_addr& a, const socket_addr& b) noexcept {
    if (auto c = a.family() <=> b.family(); c != 0) return c;
    int m = a.is_ipv4() ? std::memcmp(&a.storage_.v4.sin_addr, &b.storage_.v4.sin_addr, 4)
                        : std::memcmp(&a.storage_.v6.sin6_addr, &b.storage_.v6.sin6_addr, 16);
    if (m != 0) return m < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
    if (auto c = a.port() <=> b.port(); c != 0) return c;
    return a.scope_id() <=> b.scope_id();
}

}  // namespace af::net

std::size_t std::hash<af::net::socket_addr>::operator()(const af::net::socket_addr& a) const noexcept {
    return std::hash<std::string>()(a.to_string());
}

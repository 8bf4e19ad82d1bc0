// SPDX-License-Identifier: MIT
// Fuzzes af::net::socket_addr::parse and from_ip: text either parses or throws
// std::invalid_argument (nothing else escapes); an address that parses formats to text that
// parses back to the same address and formats the same again; ip() and port() agree with it.
//
// Input: the text itself (byte 0 bit 0 = 1 also tries from_ip on the text with port 80).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "af/net/socket_addr.hpp"
#include "support.hpp"

namespace {

using af::fuzz::check;

void round_trip(const af::net::socket_addr& a) {
    const std::string text = a.to_string();
    af::fuzz::check_context() = text;
    af::net::socket_addr b;
    try {
        b = af::net::socket_addr::parse(text);
    } catch (const std::invalid_argument&) {
        check(false, "to_string() of a parsed address does not parse");
    }
    check(a == b, "parse(to_string(a)) != a");
    check(b.to_string() == text, "to_string is not stable over a round trip");
    check(a.is_ipv4() != a.is_ipv6(), "an address is IPv4 or IPv6");
    // ip() and port() rebuild the same address.
    af::net::socket_addr c;
    try {
        c = af::net::socket_addr::from_ip(a.ip(), a.port());
    } catch (const std::invalid_argument&) {
        check(false, "from_ip(a.ip(), a.port()) does not parse");
    }
    check(a == c, "from_ip(a.ip(), a.port()) != a");
    check(!(a < b) && !(b < a), "ordering disagrees with equality");
    check(std::hash<af::net::socket_addr>()(a) == std::hash<af::net::socket_addr>()(b), "equal addresses hash differently");
    af::fuzz::check_context() = {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
    const std::string_view text(reinterpret_cast<const char*>(p), n);
    try {
        round_trip(af::net::socket_addr::parse(text));
    } catch (const std::invalid_argument& e) {
        check(std::string_view(e.what()).find("invalid socket address") != std::string_view::npos ||
                  std::string_view(e.what()).find("invalid") != std::string_view::npos,
              "a parse error that does not say so");
    }
    if (n > 0 && (p[0] & 1) != 0) {
        try {
            auto a = af::net::socket_addr::from_ip(text.substr(1), 80);
            check(a.port() == 80, "from_ip lost the port");
            round_trip(a);
        } catch (const std::invalid_argument&) {
            // not an address: fine
        }
    }
    return 0;
}

// SPDX-License-Identifier: MIT
// Fuzzes af::http::url::parse. The input is the URL text. A parse either throws
// std::invalid_argument, or af::error (unsupported_scheme) for a scheme other than http and
// https, or gives parts that hold what url.hpp promises: http or https, a
// non-empty lower-case host, a port in 1..65535 (the scheme's default when none is given), an
// origin-form target ("/" at least, no fragment, no CR/LF/space that would break a request
// line), and an authority that parses back to the same origin and target.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "af/core/error.hpp"
#include "af/http/error.hpp"
#include "af/http/url.hpp"
#include "support.hpp"

namespace {

using af::fuzz::check;

bool lower_case(std::string_view s) {
    for (char c : s) {
        if (c >= 'A' && c <= 'Z') return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* p, std::size_t n) {
    std::string_view text(reinterpret_cast<const char*>(p), n);
    af::http::url u;
    try {
        u = af::http::url::parse(text);
    } catch (const std::invalid_argument&) {
        return 0;
    } catch (const af::error& e) {
        check(e.code() == af::http::error::unsupported_scheme, "parse threw an af::error other than unsupported_scheme");
        return 0;
    }
    std::string parts = u.scheme() + " | " + u.host() + " | " + std::to_string(u.port()) + " | " + u.target();
    af::fuzz::check_context() = parts;
    check(u.scheme() == "http" || u.scheme() == "https", "scheme is not http or https");
    check(!u.host().empty() && lower_case(u.host()), "host is empty or not lower case");
    check(u.port() != 0, "port 0");
    check(u.target().starts_with('/'), "target does not start with /");
    check(!u.target().empty() && u.target().find_first_of("# \r\n") == std::string::npos,
          "target is empty or holds '#', a space, CR or LF");
    check(u.host().find_first_of(" \r\n/?#") == std::string::npos, "host holds a space, CR, LF or a delimiter");
    const std::uint16_t def = u.is_https() ? 443 : 80;
    check(u.authority() == (u.port() == def ? u.host() : u.host() + ":" + std::to_string(u.port())),
          "authority disagrees with host and port");
    check(u.host_and_port() == u.host() + ":" + std::to_string(u.port()), "host_and_port disagrees");

    // What a client would send parses back to the same origin and target.
    std::string again = u.scheme() + "://" + u.authority() + u.target();
    af::http::url v;
    try {
        v = af::http::url::parse(again);
    } catch (const std::invalid_argument&) {
        check(false, "scheme://authority + target does not parse");
    }
    check(v.scheme() == u.scheme() && v.host() == u.host() && v.port() == u.port() && v.target() == u.target(),
          "scheme://authority + target parses to another URL");
    af::fuzz::check_context() = {};
    return 0;
}

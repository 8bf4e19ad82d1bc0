// SPDX-License-Identifier: MIT
// af::http::url over Boost.URL. Boost 1.81 ships Boost.URL as a compiled library
// (libboost-url1.81-dev), which af_http links when CMake finds it (AF_HTTP_BOOST_URL_LIBRARY);
// otherwise this file includes its sources once (<boost/url/src.hpp>, ~20 s of compile time per
// build tree), so af_http needs no extra link line.
#include "af/http/url.hpp"

#if defined(AF_HTTP_BOOST_URL_LIBRARY)
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#else
#include <boost/url/src.hpp>
#endif

#include <charconv>   // the port
#include <stdexcept>  // std::invalid_argument

#include "af/core/error.hpp"
#include "af/http/error.hpp"

namespace af::http {

namespace {
[[noreturn]] void bad(std::string_view text, const char* why) {
    throw std::invalid_argument("af::http::url: " + std::string(why) + ": " + std::string(text));
}
std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}
}  // namespace

url url::parse(std::string_view text) {
    // The scheme and "//" are checked here, before Boost sees the text: af::http needs an
    // authority anyway, and Boost.URL 1.81 fails an assertion on some URLs without one
    // (boostorg/url#665; found by fuzz/http/http_url_fuzz.cpp), which aborts a build with
    // assertions on.
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) bad(text, "not an absolute URL");
    for (std::size_t i = 0; i < colon; ++i) {
        const char c = text[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool digit = c >= '0' && c <= '9';
        if (!alpha && (i == 0 || (!digit && c != '+' && c != '-' && c != '.'))) bad(text, "not an absolute URL");
    }
    if (const std::string scheme = lower(text.substr(0, colon)); scheme != "http" && scheme != "https") {
        throw af::error(http::error::unsupported_scheme, "af::http::url: unsupported scheme \"" + scheme + "\" (only http): " + std::string(text));
    }
    if (text.substr(colon + 1, 2) != "//") bad(text, "no host");
    auto r = boost::urls::parse_uri(boost::core::string_view(text.data(), text.size()));
    if (!r) bad(text, "not an absolute URL");
    const boost::urls::url_view& v = *r;
    url u;
    u.scheme_ = lower(std::string_view(v.scheme().data(), v.scheme().size()));
    if (u.scheme_ != "http" && u.scheme_ != "https") {
        throw af::error(http::error::unsupported_scheme, "af::http::url: unsupported scheme \"" + u.scheme_ + "\" (only http): " + std::string(text));
    }
    if (!v.has_authority() || v.encoded_host().empty()) bad(text, "no host");
    auto host = v.encoded_host();
    u.host_ = lower(std::string_view(host.data(), host.size()));
    if (v.host_type() == boost::urls::host_type::ipv6) {
        auto a = v.encoded_host_address();
        u.host_ = "[" + lower(std::string_view(a.data(), a.size())) + "]";
    }
    u.port_ = u.scheme_ == "https" ? 443 : 80;
    if (v.has_port()) {
        auto p = v.port();
        unsigned n = 0;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
        if (p.empty()) {
            // "http://h:/" : an empty port means the default (RFC 3986 3.2.3)
        } else if (ec != std::errc() || end != p.data() + p.size() || n == 0 || n > 65535) {
            bad(text, "bad port");
        } else {
            u.port_ = static_cast<std::uint16_t>(n);
        }
    }
    auto path = v.encoded_path();
    // After an authority the path is empty or starts with "/" (RFC 3986 3.3). Boost.URL 1.81
    // takes "http://h:8x:/" for port 8 and path "x:/"; sent on, that would be a request line
    // with a target that is not origin-form (found by fuzz/http/http_url_fuzz.cpp).
    if (!path.empty() && path.front() != '/') bad(text, "bad port or path");
    u.target_ = path.empty() ? std::string("/") : std::string(path.data(), path.size());
    if (v.has_query()) {
        auto q = v.encoded_query();
        u.target_ += '?';
        u.target_.append(q.data(), q.size());
    }
    return u;
}

std::string url::authority() const {
    const std::uint16_t def = scheme_ == "https" ? 443 : 80;
    return port_ == def ? host_ : host_ + ":" + std::to_string(port_);
}

}  // namespace af::http

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::header_name` and `af::http::header_map`: header fields with case-insensitive
/// names, several values per name, in the order they were added.
///
///     af::http::header_map h;
///     h.append(af::http::header::content_type, "text/plain");
///     h.append("X-Trace", "abc");                       // any name; stored lower-case
///     h.append("x-trace", "def");                       // a second value of the same field
///     std::optional<std::string_view> ct = h.get("Content-Type");   // "text/plain"
///     for (const auto& [name, value] : h) { /* every field, in order */ }
///
/// Names af knows (about sixty, `af::http::header::*`: content-length, host, ...) are a
/// one-byte index into a static table: parsing them from the wire and comparing them costs no
/// allocation and no string compare. Other names are kept lower-cased in a std::string. HTTP/2
/// sends names lower-case, and HTTP/1.1 names are case-insensitive (RFC 9110 5.1), so one
/// lower-case form serves both. Lookups are a linear scan: requests carry tens of fields, where
/// a scan of one-byte ids beats hashing. Values are kept as given; the parser has already
/// refused values with CR, LF or NUL, and `append` of such a value throws
/// std::invalid_argument (it would split the message: header injection).
///
/// Thread safety: one object per thread at a time; `const` members may be shared.
#include <cstddef>      // std::size_t
#include <cstdint>      // the well-known id
#include <optional>     // get's result
#include <string>       // custom names, values
#include <string_view>  // names and values in
#include <utility>      // std::move
#include <vector>       // the fields

namespace af::http {

/// A header field name: a well-known one (no allocation) or a lower-cased custom one.
class header_name {
public:
    /// The name, as `header_name::from` would make it (throws std::invalid_argument when
    /// `name` is not an RFC 9110 token: empty, or with a space, colon or control byte).
    header_name(std::string_view name) : header_name(from(name)) {}  // NOLINT: implicit on purpose
    header_name(const char* name) : header_name(from(name)) {}       // NOLINT: implicit on purpose
    header_name(const std::string& name) : header_name(from(name)) {}  // NOLINT: implicit on purpose
    static header_name from(std::string_view name);                   // src/http/header_map.cpp

    /// The name in lower case.
    std::string_view str() const noexcept { return id_ == custom ? std::string_view(custom_) : table()[id_]; }
    bool is_well_known() const noexcept { return id_ != custom; }
    /// Case-insensitive comparison with text.
    bool equals(std::string_view other) const noexcept;

    friend bool operator==(const header_name& a, const header_name& b) noexcept {
        return a.id_ == b.id_ && (a.id_ != custom || a.custom_ == b.custom_);
    }

    /// The table of well-known names (lower case), indexed by id.
    static const std::string_view* table() noexcept;
    static std::size_t table_size() noexcept;
    /// The well-known name with index `id` (< table_size()).
    static constexpr header_name well_known(std::uint8_t id) noexcept { return header_name(id); }

private:
    static constexpr std::uint8_t custom = 0xff;
    header_name() = default;  // for from(): filled in there
    constexpr explicit header_name(std::uint8_t id) noexcept : id_(id) {}
    std::uint8_t id_ = custom;
    std::string custom_;  // lower case; empty for well-known names
};

/// Well-known names: `af::http::header::content_length` and so on (the ids are positions in
/// header_name::table(), which src/http/header_map.cpp keeps in this order).
namespace header {
#define AF_HTTP_WELL_KNOWN_HEADERS(X)                                                                            \
    X(accept, "accept") X(accept_charset, "accept-charset") X(accept_encoding, "accept-encoding")                \
    X(accept_language, "accept-language") X(accept_ranges, "accept-ranges")                                      \
    X(access_control_allow_origin, "access-control-allow-origin") X(age, "age") X(allow, "allow")                \
    X(authorization, "authorization") X(cache_control, "cache-control") X(connection, "connection")              \
    X(content_disposition, "content-disposition") X(content_encoding, "content-encoding")                        \
    X(content_language, "content-language") X(content_length, "content-length")                                 \
    X(content_location, "content-location") X(content_range, "content-range") X(content_type, "content-type")    \
    X(cookie, "cookie") X(date, "date") X(etag, "etag") X(expect, "expect") X(expires, "expires")                \
    X(forwarded, "forwarded") X(host, "host") X(if_match, "if-match") X(if_modified_since, "if-modified-since")  \
    X(if_none_match, "if-none-match") X(if_range, "if-range") X(if_unmodified_since, "if-unmodified-since")      \
    X(keep_alive, "keep-alive") X(last_modified, "last-modified") X(link, "link") X(location, "location")        \
    X(origin, "origin") X(pragma, "pragma") X(proxy_authenticate, "proxy-authenticate")                          \
    X(proxy_authorization, "proxy-authorization") X(range, "range") X(referer, "referer")                        \
    X(retry_after, "retry-after") X(sec_websocket_accept, "sec-websocket-accept")                                \
    X(sec_websocket_key, "sec-websocket-key") X(sec_websocket_protocol, "sec-websocket-protocol")                \
    X(sec_websocket_version, "sec-websocket-version") X(server, "server") X(set_cookie, "set-cookie")            \
    X(strict_transport_security, "strict-transport-security") X(te, "te") X(trailer, "trailer")                  \
    X(transfer_encoding, "transfer-encoding") X(upgrade, "upgrade") X(user_agent, "user-agent") X(vary, "vary")  \
    X(via, "via") X(www_authenticate, "www-authenticate") X(x_forwarded_for, "x-forwarded-for")                  \
    X(x_forwarded_proto, "x-forwarded-proto") X(x_request_id, "x-request-id")

namespace detail {
enum : std::uint8_t {
#define AF_HTTP_X(id, text) id,
    AF_HTTP_WELL_KNOWN_HEADERS(AF_HTTP_X)
#undef AF_HTTP_X
};
}  // namespace detail

#define AF_HTTP_X(id, text) inline const header_name id = header_name::well_known(detail::id);
AF_HTTP_WELL_KNOWN_HEADERS(AF_HTTP_X)
#undef AF_HTTP_X
}  // namespace header

/// An ordered multimap of header fields; see the file comment.
class header_map {
public:
    struct field {
        header_name name;
        std::string value;
    };
    using const_iterator = std::vector<field>::const_iterator;

    /// Adds a field (after any others of the same name). Throws std::invalid_argument when the
    /// value holds CR, LF or NUL.
    void append(header_name name, std::string_view value);
    /// Replaces every field named `name` by one with `value`.
    void insert(const header_name& name, std::string_view value);
    /// The first value of `name`.
    std::optional<std::string_view> get(const header_name& name) const noexcept;
    std::optional<std::string_view> get(std::string_view name) const noexcept;
    std::optional<std::string_view> get(const char* name) const noexcept { return get(std::string_view(name)); }
    /// Every value of `name`, in order.
    std::vector<std::string_view> get_all(const header_name& name) const;
    bool contains(const header_name& name) const noexcept { return get(name).has_value(); }
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
    bool contains(const char* name) const noexcept { return get(std::string_view(name)).has_value(); }
    /// Removes every field named `name`; returns how many there were.
    std::size_t remove(const header_name& name) noexcept;
    /// Whether some value of `name`, read as a comma-separated list, holds `token`
    /// (case-insensitive): `has_token(header::connection, "close")`.
    bool has_token(const header_name& name, std::string_view token) const noexcept;

    std::size_t size() const noexcept { return fields_.size(); }
    bool empty() const noexcept { return fields_.empty(); }
    void clear() noexcept { fields_.clear(); }
    void reserve(std::size_t n) { fields_.reserve(n); }
    const_iterator begin() const noexcept { return fields_.begin(); }
    const_iterator end() const noexcept { return fields_.end(); }

    /// Appends without checking the value (the parser has checked it already).
    void append_unchecked(header_name name, std::string value) { fields_.push_back(field{std::move(name), std::move(value)}); }

private:
    std::vector<field> fields_;
};

}  // namespace af::http

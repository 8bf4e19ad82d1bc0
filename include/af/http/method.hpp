// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::method`: a request method (GET, POST, ...), the standard ones without allocation.
///
///     af::http::method m = af::http::method::parse("POST");
///     if (m == af::http::method::post) { /* ... */ }
///     std::string_view name = m.name();                   // "POST"
///
/// The nine methods of RFC 9110 section 9 and PATCH (RFC 5789) are a one-byte id; any other
/// token (WebDAV's PROPFIND, ...) is kept as text. Methods are case-sensitive (RFC 9110 9.1):
/// "get" is an extension method, not GET. Thread safety: a plain value.
#include <cstdint>      // the id
#include <string>       // extension methods
#include <string_view>  // names

namespace af::http {

class method {
public:
    enum id : std::uint8_t { get_id, head_id, post_id, put_id, delete_id, connect_id, options_id, trace_id, patch_id, other_id };

    static const method get, head, post, put, delete_, connect, options, trace, patch;

    method() noexcept = default;  ///< GET
    /// The method named `name` (exact, case-sensitive match for the standard ones).
    static method parse(std::string_view name) {
        for (int i = 0; i < other_id; ++i) {
            if (name == names()[i]) return method(static_cast<id>(i));
        }
        method m(other_id);
        m.other_ = std::string(name);
        return m;
    }

    id which() const noexcept { return id_; }
    std::string_view name() const noexcept { return id_ == other_id ? std::string_view(other_) : names()[id_]; }
    /// GET, HEAD, OPTIONS, TRACE (RFC 9110 9.2.1).
    bool is_safe() const noexcept { return id_ == get_id || id_ == head_id || id_ == options_id || id_ == trace_id; }

    friend bool operator==(const method& a, const method& b) noexcept {
        return a.id_ == b.id_ && (a.id_ != other_id || a.other_ == b.other_);
    }

private:
    constexpr explicit method(id i) noexcept : id_(i) {}
    static const std::string_view* names() noexcept {
        static constexpr std::string_view n[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
        return n;
    }
    id id_ = get_id;
    std::string other_;  // empty unless id_ == other_id
};

inline const method method::get{method::get_id};
inline const method method::head{method::head_id};
inline const method method::post{method::post_id};
inline const method method::put{method::put_id};
inline const method method::delete_{method::delete_id};
inline const method method::connect{method::connect_id};
inline const method method::options{method::options_id};
inline const method method::trace{method::trace_id};
inline const method method::patch{method::patch_id};

}  // namespace af::http

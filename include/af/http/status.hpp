// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::http::status`: a response status code, and its reason phrase.
///
///     af::http::response r(af::http::status::not_found);
///     std::string_view why = af::http::reason_phrase(r.status());   // "Not Found"
///     auto teapot = static_cast<af::http::status>(418);               // any 100..999 code
///
/// An enum over `std::uint16_t`, so any three-digit code is a value of it; the names cover the
/// codes of RFC 9110 section 15 and a few common extensions. Thread safety: a value.
#include <cstdint>      // the underlying type
#include <string_view>  // reason phrases

namespace af::http {

enum class status : std::uint16_t {
    continue_ = 100,
    switching_protocols = 101,
    ok = 200,
    created = 201,
    accepted = 202,
    non_authoritative_information = 203,
    no_content = 204,
    reset_content = 205,
    partial_content = 206,
    multiple_choices = 300,
    moved_permanently = 301,
    found = 302,
    see_other = 303,
    not_modified = 304,
    temporary_redirect = 307,
    permanent_redirect = 308,
    bad_request = 400,
    unauthorized = 401,
    forbidden = 403,
    not_found = 404,
    method_not_allowed = 405,
    not_acceptable = 406,
    request_timeout = 408,
    conflict = 409,
    gone = 410,
    length_required = 411,
    precondition_failed = 412,
    content_too_large = 413,
    uri_too_long = 414,
    unsupported_media_type = 415,
    range_not_satisfiable = 416,
    expectation_failed = 417,
    misdirected_request = 421,
    unprocessable_content = 422,
    upgrade_required = 426,
    too_many_requests = 429,
    request_header_fields_too_large = 431,
    internal_server_error = 500,
    not_implemented = 501,
    bad_gateway = 502,
    service_unavailable = 503,
    gateway_timeout = 504,
    http_version_not_supported = 505,
};

/// The numeric code.
constexpr std::uint16_t code(status s) noexcept { return static_cast<std::uint16_t>(s); }

/// Whether a response with this status never has a body (1xx, 204, 304: RFC 9110 6.4.1).
constexpr bool forbids_body(status s) noexcept {
    return code(s) < 200 || s == status::no_content || s == status::not_modified;
}

/// The reason phrase of RFC 9110 for a known code; "Unknown" for the others.
std::string_view reason_phrase(status s) noexcept;  // src/http/status.cpp

}  // namespace af::http

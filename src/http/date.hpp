// SPDX-License-Identifier: MIT
#pragma once
// The Date header's value (RFC 9110 5.6.7 IMF-fixdate), formatted at most once per second per
// thread: a server writes it into every response, and strftime per response would cost more
// than the rest of a small response's head.
#include <string_view>

namespace af::http::detail {

/// "Sun, 06 Nov 1994 08:49:37 GMT" for the current second; valid until the next call on this
/// thread.
std::string_view http_date_now() noexcept;
/// The field line "date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", valid as http_date_now().
std::string_view http_date_line_now() noexcept;

}  // namespace af::http::detail

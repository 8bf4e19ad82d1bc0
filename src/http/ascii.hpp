// SPDX-License-Identifier: MIT
#pragma once
// ASCII case folding for HTTP: field names and tokens such as "100-continue" compare without
// regard to case (RFC 9110 5.1), in ASCII only, never by the C locale.
#include <cstddef>
#include <string_view>

namespace af::http::detail {

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

}  // namespace af::http::detail

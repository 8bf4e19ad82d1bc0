// SPDX-License-Identifier: MIT
#include "date.hpp"

#include <cstdio>  // std::snprintf
#include <ctime>   // std::time, gmtime_r

namespace af::http::detail {

namespace {

constexpr std::string_view prefix = "date: ";

// The whole field line "date: <IMF-fixdate>\r\n"; the value is the middle of it.
std::string_view line_now() noexcept {
    struct cache {
        std::time_t second = -1;
        char text[48] = {};
        std::size_t len = 0;
    };
    thread_local cache c;
    std::time_t now = std::time(nullptr);
    if (now != c.second) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        // Not strftime: its %a and %b follow the process's locale, the header's names do not.
        static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        int n = std::snprintf(c.text, sizeof c.text, "date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n", days[tm.tm_wday % 7], tm.tm_mday,
                              months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        c.len = n > 0 ? static_cast<std::size_t>(n) : 0;
        c.second = now;
    }
    return {c.text, c.len};
}

}  // namespace

std::string_view http_date_now() noexcept {
    std::string_view l = line_now();
    return l.size() < prefix.size() + 2 ? std::string_view() : l.substr(prefix.size(), l.size() - prefix.size() - 2);
}

std::string_view http_date_line_now() noexcept { return line_now(); }

}  // namespace af::http::detail

// SPDX-License-Identifier: MIT
// Header names: the well-known ones are found by length, then by a case-insensitive compare
// against the few table entries of that length, so parsing "Content-Length" off the wire costs
// no allocation (docs/design/0020-http-body-and-service.md).
#include "af/http/header_map.hpp"

#include <array>      // the index by length
#include <stdexcept>  // std::invalid_argument

#include "ascii.hpp"

namespace af::http {

namespace {

constexpr std::string_view names[] = {
#define AF_HTTP_X(id, text) text,
    AF_HTTP_WELL_KNOWN_HEADERS(AF_HTTP_X)
#undef AF_HTTP_X
};
constexpr std::size_t count = sizeof(names) / sizeof(names[0]);
static_assert(count < 0xff, "header ids are one byte, 0xff meaning custom");


// RFC 9110 5.6.2 tchar.
bool is_tchar(unsigned char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
        case '^': case '_': case '`': case '|': case '~': return true;
        default: return false;
    }
}

constexpr std::size_t max_len = 32;
struct by_length {
    std::array<std::array<std::uint8_t, 12>, max_len + 1> ids{};
    std::array<std::uint8_t, max_len + 1> n{};
    constexpr by_length() {
        for (std::size_t i = 0; i < count; ++i) {
            std::size_t l = names[i].size();
            ids[l][n[l]++] = static_cast<std::uint8_t>(i);
        }
    }
};
constexpr by_length index;

}  // namespace

const std::string_view* header_name::table() noexcept { return names; }
std::size_t header_name::table_size() noexcept { return count; }

header_name header_name::from(std::string_view name) {
    if (name.size() <= max_len) {
        for (std::uint8_t k = 0; k < index.n[name.size()]; ++k) {
            std::uint8_t id = index.ids[name.size()][k];
            if (detail::iequals(names[id], name)) return header_name(id);
        }
    }
    if (name.empty()) throw std::invalid_argument("af::http::header_name: empty name");
    header_name h;
    h.custom_.resize(name.size());
    for (std::size_t i = 0; i < name.size(); ++i) {
        auto c = static_cast<unsigned char>(name[i]);
        if (!is_tchar(c)) throw std::invalid_argument("af::http::header_name: not a token: " + std::string(name));
        h.custom_[i] = detail::ascii_lower(name[i]);
    }
    return h;
}

bool header_name::equals(std::string_view other) const noexcept { return detail::iequals(str(), other); }

namespace {
void check_value(std::string_view v) {
    for (char c : v) {
        if (c == '\r' || c == '\n' || c == '\0') throw std::invalid_argument("af::http::header_map: a value holds CR, LF or NUL");
    }
}
}  // namespace

void header_map::append(header_name name, std::string_view value) {
    check_value(value);
    fields_.push_back(field{std::move(name), std::string(value)});
}

void header_map::insert(const header_name& name, std::string_view value) {
    check_value(value);
    remove(name);
    fields_.push_back(field{name, std::string(value)});
}

std::optional<std::string_view> header_map::get(const header_name& name) const noexcept {
    for (const auto& f : fields_) {
        if (f.name == name) return std::string_view(f.value);
    }
    return std::nullopt;
}

std::optional<std::string_view> header_map::get(std::string_view name) const noexcept {
    for (const auto& f : fields_) {
        if (f.name.equals(name)) return std::string_view(f.value);
    }
    return std::nullopt;
}

std::vector<std::string_view> header_map::get_all(const header_name& name) const {
    std::vector<std::string_view> out;
    for (const auto& f : fields_) {
        if (f.name == name) out.emplace_back(f.value);
    }
    return out;
}

std::size_t header_map::remove(const header_name& name) noexcept {
    std::size_t before = fields_.size();
    std::erase_if(fields_, [&](const field& f) { return f.name == name; });
    return before - fields_.size();
}

bool header_map::has_token(const header_name& name, std::string_view token) const noexcept {
    for (const auto& f : fields_) {
        if (!(f.name == name)) continue;
        std::string_view v = f.value;
        while (!v.empty()) {
            auto comma = v.find(',');
            std::string_view item = v.substr(0, comma);
            while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
            if (detail::iequals(item, token)) return true;
            if (comma == std::string_view::npos) break;
            v.remove_prefix(comma + 1);
        }
    }
    return false;
}

}  // namespace af::http

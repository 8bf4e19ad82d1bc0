// SPDX-License-Identifier: MIT
#pragma once
// The field lines of one HTTP/1 message as llhttp reports them, for both parsers (the server's
// requests, the client's responses). llhttp hands a name or a value over in pieces, split
// wherever a read ended, so they are accumulated here, checked when the value is complete,
// and appended to the head's or the trailers' header_map. Each parser turns a fault into its
// own answer (a status for the server, an exception for the client).
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "af/http/header_map.hpp"

namespace af::http::detail {

class h1_fields {
public:
    enum class fault { none, too_large, too_many, bad_value, bad_name };

    // A piece of a name or a value. Trailer pieces count against the head limit too (the head
    // itself is counted by the parser, which sees every byte it feeds).
    fault add_name(const char* at, std::size_t n, bool trailers, std::size_t max_head_bytes) {
        return add(name_, at, n, trailers, max_head_bytes);
    }
    fault add_value(const char* at, std::size_t n, bool trailers, std::size_t max_head_bytes) {
        return add(value_, at, n, trailers, max_head_bytes);
    }

    // The value is complete: check the field and append it to `into`.
    fault commit(header_map& into, std::size_t max_fields) noexcept {
        if (++count_ > max_fields) return fault::too_many;
        // llhttp drops the leading whitespace of a value, not the trailing (RFC 9112 5: OWS).
        while (!value_.empty() && (value_.back() == ' ' || value_.back() == '\t')) value_.pop_back();
        // A CR or LF left inside a value is obs-fold or a bare CR that got through: refuse.
        // One pass over a short value (most are); memchr per character for long ones.
        if (value_.size() <= 64) {
            for (char c : value_) {
                if (c == '\r' || c == '\n' || c == '\0') return fault::bad_value;
            }
        } else if (value_.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
            return fault::bad_value;
        }
        try {
            header_name n = header_name::from(name_);
            into.append_unchecked(std::move(n), std::move(value_));
        } catch (...) {  // a name that is not a token, or out of memory: never through C code
            return fault::bad_name;
        }
        name_.clear();
        value_.clear();
        return fault::none;
    }

    // The head ended: trailers are counted on their own.
    void end_of_head() noexcept { count_ = 0; }

    void reset() noexcept {
        name_.clear();
        value_.clear();
        count_ = trailer_bytes_ = 0;
    }

private:
    fault add(std::string& to, const char* at, std::size_t n, bool trailers, std::size_t max_head_bytes) {
        if (trailers) {
            trailer_bytes_ += n;
            if (trailer_bytes_ > max_head_bytes) return fault::too_large;
        }
        to.append(at, n);
        return fault::none;
    }

    std::string name_, value_;
    std::size_t count_ = 0, trailer_bytes_ = 0;
};

}  // namespace af::http::detail

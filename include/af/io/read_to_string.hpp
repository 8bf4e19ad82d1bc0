// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::read_to_string(r, out)`: `af::io::read_to_end` into a `std::string`.
///
///     std::string text;
///     co_await af::io::read_to_string(conn, text);
///
/// The bytes are appended as they are; unlike tokio's, no UTF-8 check is made (a
/// `std::string` holds any bytes). Same borrowing, cancellation (bytes read stay appended) and
/// thread-safety rules as `read_to_end`.
#include <cstddef>  // std::size_t
#include <memory>   // std::addressof
#include <string>   // the destination

#include "af/io/read_to_end.hpp"

namespace af::io {

/// The future made by `af::io::read_to_string`.
template <async_read R>
class [[nodiscard("a future does nothing until it is awaited")]] read_to_string_future {
public:
    using output = std::size_t;
    read_to_string_future(R& r, std::string& out) noexcept : r_(std::addressof(r)), out_(std::addressof(out)) {}

    af::poll<std::size_t> poll(context& cx) {
        for (;;) {
            auto p = detail::read_append(*r_, cx, *out_);
            if (p.is_pending()) return pending;
            if (*p == 0) return total_;
            total_ += *p;
        }
    }

private:
    R* r_;
    std::string* out_;
    std::size_t total_ = 0;
};

template <async_read R>
read_to_string_future<R> read_to_string(R& r, std::string& out) noexcept {
    return read_to_string_future<R>(r, out);
}

}  // namespace af::io

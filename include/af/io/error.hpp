// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::error` and `af::io::frame_error`: the errors af's I/O utilities add to the
/// operating system's.
///
/// Every I/O error in af is a `std::system_error`. Errors that come from a device or a pipe use
/// the generic category (`std::errc::broken_pipe`, ...); the conditions that only af's helpers
/// detect are thrown as `af::error` (docs/design/0015-error-model.md) with an `af::io::error`
/// code, compared like any error code:
///
///     try { co_await af::io::read_exact(r, header); }
///     catch (const std::system_error& e) {
///         if (e.code() == af::io::error::unexpected_eof) { /* peer hung up mid-header */ }
///     }
///
/// `af::io::frame_error` (an `af::error`) is what framing codecs throw for a bad frame.
#include <string>        // messages
#include <system_error>  // std::error_category, std::system_error

#include "af/core/error.hpp"  // af::error, the base of frame_error

namespace af::io {

enum class error {
    unexpected_eof = 1,  ///< the stream ended before the requested bytes arrived
    write_zero,          ///< a writer accepted zero bytes of a non-empty buffer
    frame_too_long,      ///< a frame is over the codec's maximum length
    truncated_frame,     ///< the stream ended in the middle of a frame
};

namespace detail {
class io_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "af.io"; }
    std::string message(int c) const override {
        switch (static_cast<error>(c)) {
            case error::unexpected_eof: return "unexpected end of stream";
            case error::write_zero: return "write accepted zero bytes";
            case error::frame_too_long: return "frame too long";
            case error::truncated_frame: return "stream ended inside a frame";
        }
        return "unknown af.io error";
    }
};
}  // namespace detail

/// The category of `af::io::error` codes.
inline const std::error_category& io_category() noexcept {
    static const detail::io_category c;
    return c;
}

inline std::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), io_category()}; }

/// Thrown by framing codecs for a frame they refuse (over the maximum length, or cut off by the
/// end of the stream). Its `code()` is `error::frame_too_long` or `error::truncated_frame`; the
/// stream that threw is unusable afterwards (its position inside the byte stream is lost).
class frame_error : public af::error {
public:
    frame_error(io::error e, const std::string& what) : af::error(make_error_code(e), what) {}
};

}  // namespace af::io

template <>
struct std::is_error_code_enum<af::io::error> : std::true_type {};

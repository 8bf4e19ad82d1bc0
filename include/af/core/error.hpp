// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::error`: the one base of every condition af itself reports by throwing, and the
/// `af::errc` codes that tell them apart. The whole model is docs/design/0015-error-model.md.
///
/// What throws what:
/// - An operating-system failure (a socket reset, a missing file) is a `std::system_error`
///   carrying the `errno` in `std::generic_category()`.
/// - A condition af detects is an `af::error` (also a `std::system_error`) whose code is an
///   `af::errc` (closed, cancelled, timed out) or an `af::io::error` (unexpected end of stream,
///   bad frame). The named types below exist so a `catch` can pick one; each has exactly one code.
/// - Misuse (a handle awaited twice, no runtime current, an argument out of range) is a
///   `std::logic_error` or `std::invalid_argument` whose message names the fix: it is a bug to
///   fix, not a condition to handle.
/// - Outcomes a caller is expected to branch on are values, not exceptions: the end of a stream
///   (`std::nullopt`), a full or closed channel on send (`send_result`), an empty or lagged
///   channel on `try_recv` (`recv_result`).
///
/// So one `catch (const std::system_error& e)` sees every runtime failure, and the code says which:
///
///     try { co_await rx; }                             // a oneshot receiver
///     catch (const std::system_error& e) {
///         if (e.code() == af::errc::closed) { /* the sender was dropped without sending */ }
///         else if (e.code() == std::errc::connection_reset) { /* the OS said so */ }
///     }
///
/// `af::errc::timed_out` and `af::errc::cancelled` also compare equal to `std::errc::timed_out`
/// and `std::errc::operation_canceled`, so code written against the standard conditions works.
#include <stdexcept>     // std::runtime_error: holds the message
#include <string>        // messages
#include <system_error>  // std::error_category, std::system_error

namespace af {

/// The conditions af reports that the operating system does not.
enum class errc {
    closed = 1,  ///< the other side is gone: every sender dropped, a semaphore or sink closed
    cancelled,   ///< the operation was stopped on purpose: an aborted task, a runtime shut down
    timed_out,   ///< a deadline passed first (`af::time::timeout`)
};

namespace detail {
class af_category final : public std::error_category {
public:
    const char* name() const noexcept override { return "af"; }
    std::string message(int c) const override {
        switch (static_cast<errc>(c)) {
            case errc::closed: return "closed";
            case errc::cancelled: return "cancelled";
            case errc::timed_out: return "deadline has elapsed";
        }
        return "unknown af error";
    }
    std::error_condition default_error_condition(int c) const noexcept override {
        switch (static_cast<errc>(c)) {
            case errc::cancelled: return std::errc::operation_canceled;
            case errc::timed_out: return std::errc::timed_out;
            default: return {c, *this};
        }
    }
};
}  // namespace detail

/// The category of `af::errc` codes.
inline const std::error_category& error_category() noexcept {
    static const detail::af_category c;
    return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// A condition af detected (not the operating system). Catch it by this type to handle every
/// af condition at once, or by the named types below; `code()` says which.
class error : public std::system_error {
public:
    /// `what()` is the code's message ("closed").
    explicit error(std::error_code c) : std::system_error(c), what_(c.message()) {}
    /// `what()` is `what` alone: the thrower writes the whole phrase ("semaphore closed"), not
    /// std::system_error's "what: message".
    error(std::error_code c, const std::string& what) : std::system_error(c), what_(what) {}
    const char* what() const noexcept override { return what_.what(); }

private:
    std::runtime_error what_;  // a reference-counted string whose copy cannot throw
};

/// The other side is gone: a oneshot or watch sender dropped, a semaphore or sink closed.
class closed_error : public error {
public:
    closed_error() : error(make_error_code(errc::closed)) {}
    explicit closed_error(const std::string& what) : error(make_error_code(errc::closed), what) {}
};

/// The awaited work was stopped on purpose: a task aborted, or its executor shut down first.
class cancelled_error : public error {
public:
    cancelled_error() : error(make_error_code(errc::cancelled), "task was cancelled") {}
};

}  // namespace af

template <>
struct std::is_error_code_enum<af::errc> : std::true_type {};

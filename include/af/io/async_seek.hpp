// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The `af::io::async_seek` concept: an I/O object with a movable position, and
/// `af::io::seek_from`.
///
/// `poll_seek(cx, offset, from)` moves the position to `offset` bytes from the start, the
/// current position or the end, and returns the new position from the start. Seeking before
/// the start throws `std::system_error` (`std::errc::invalid_argument`).
///
///     struct memory_file {
///         std::uint64_t pos = 0, size = 100;
///         af::poll<std::uint64_t> poll_seek(af::context&, std::int64_t off, af::io::seek_from from);
///     };
///     static_assert(af::io::async_seek<memory_file>);
///
/// af ships no seekable type yet (files belong to a runtime); the concept fixes the contract.
#include <concepts>  // std::same_as
#include <cstdint>   // std::int64_t, std::uint64_t

#include "af/core/future.hpp"

namespace af::io {

/// Where a seek offset counts from.
enum class seek_from { start, current, end };

template <class S>
concept async_seek = requires(S& s, context& cx, std::int64_t offset, seek_from from) {
    { s.poll_seek(cx, offset, from) } -> std::same_as<poll<std::uint64_t>>;
};

}  // namespace af::io

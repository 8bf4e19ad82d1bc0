// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::fs::file_metadata` and `af::fs::file_type`: what `af::fs::metadata(path)` and
/// `af::fs::file::metadata()` report about a file.
///
///     af::fs::file_metadata m = co_await af::fs::metadata("data.bin");
///     if (m.is_file()) std::printf("%llu bytes\n", static_cast<unsigned long long>(m.size));
///
/// A plain value (a snapshot taken by stat(2)); it does not change when the file does.
#include <chrono>   // modified time
#include <cstdint>  // sizes, permission bits

namespace af::fs {

/// The kind of a directory entry.
enum class file_type { regular, directory, symlink, other };

/// A snapshot of a file's stat(2) fields.
struct file_metadata {
    std::uint64_t size = 0;
    file_type kind = file_type::other;
    /// Last modification (st_mtim), with the file system's resolution.
    std::chrono::system_clock::time_point modified{};
    /// The permission bits (st_mode & 07777).
    std::uint32_t permissions = 0;

    bool is_file() const noexcept { return kind == file_type::regular; }
    bool is_dir() const noexcept { return kind == file_type::directory; }
    bool is_symlink() const noexcept { return kind == file_type::symlink; }
};

}  // namespace af::fs

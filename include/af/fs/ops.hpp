// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Whole-file and directory operations as futures: `af::fs::read`, `read_to_string`, `write`,
/// `create_dir`, `create_dir_all`, `remove_file`, `remove_dir`, `rename`, `read_dir`,
/// `metadata`, `exists`.
///
///     co_await af::fs::write("config.txt", "answer=42\n");
///     std::string text = co_await af::fs::read_to_string("config.txt");
///     for (const af::fs::dir_entry& e : co_await af::fs::read_dir("."))
///         std::puts(e.name.c_str());
///
/// Each one runs its system calls on the runtime's blocking pool (`af::rt::spawn_blocking`):
/// file system calls block on the disk and epoll cannot wait for them (see <af/fs/file.hpp>).
/// Choosing: these for whole files and single calls; `af::fs::file` to stream or seek.
///
/// Arguments are taken by value, so a future may outlive the expressions it was made from.
///
/// Errors: std::system_error with the OS error (std::generic_category()), what() naming the
/// operation and the path: "open /nope/x: No such file or directory".
///
/// Cancellation: dropping one of these futures detaches its blocking job, which still runs to
/// the end (a remove or rename still happens); its result is discarded.
/// Thread safety: any task of a runtime; outside a runtime they throw std::logic_error.
#include <cstddef>      // std::byte
#include <filesystem>   // std::filesystem::path
#include <span>         // bytes to write
#include <string>       // names, contents
#include <string_view>  // text to write
#include <vector>       // contents, entries

#include "af/core/task.hpp"
#include "af/fs/metadata.hpp"

namespace af::fs {

/// The whole contents of a file.
af::task<std::vector<std::byte>> read(std::filesystem::path path);
/// The whole contents of a file as text (bytes as they are; no encoding check).
af::task<std::string> read_to_string(std::filesystem::path path);
/// Creates or truncates `path` and writes `data` (copied) to it.
af::task<void> write(std::filesystem::path path, std::span<const std::byte> data);
af::task<void> write(std::filesystem::path path, std::string_view text);

/// mkdir(2); EEXIST if it exists.
af::task<void> create_dir(std::filesystem::path path);
/// Creates `path` and its missing parents; an existing directory is fine.
af::task<void> create_dir_all(std::filesystem::path path);
/// unlink(2).
af::task<void> remove_file(std::filesystem::path path);
/// rmdir(2): the directory must be empty.
af::task<void> remove_dir(std::filesystem::path path);
/// Removes `path` and everything under it (symlinks are removed, not followed).
af::task<void> remove_dir_all(std::filesystem::path path);
/// rename(2): atomically replaces `to` if it exists.
af::task<void> rename(std::filesystem::path from, std::filesystem::path to);

/// One entry of a directory listing.
struct dir_entry {
    std::string name;            // the file name alone
    std::filesystem::path path;  // the directory joined with the name
    file_type kind = file_type::other;
};

/// The entries of a directory (without "." and ".."), in the order the file system returns
/// them (unspecified: sort them if order matters). One future of a vector rather than a
/// stream: a listing is read in one blocking job, which costs one pool round trip instead of
/// one per entry; for directories of millions of entries, call readdir yourself from
/// `af::rt::spawn_blocking` in batches.
af::task<std::vector<dir_entry>> read_dir(std::filesystem::path path);

/// stat(2) (follows symlinks).
af::task<file_metadata> metadata(std::filesystem::path path);
/// lstat(2) (describes a symlink itself).
af::task<file_metadata> symlink_metadata(std::filesystem::path path);
/// Whether `path` names something (following symlinks); false on ENOENT/ENOTDIR, throws on
/// other errors (EACCES...).
af::task<bool> exists(std::filesystem::path path);

}  // namespace af::fs

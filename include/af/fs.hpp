// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Umbrella header of af::fs: files and directories as futures, for tasks of an af runtime.
///
/// - <af/fs/ops.hpp>: `read`, `read_to_string`, `write`, `create_dir_all`, `remove_file`,
///   `remove_dir`, `rename`, `read_dir`, `metadata`, `exists`.
/// - <af/fs/file.hpp>: `file` (open/create, af::io read/write/seek, sync_all, metadata,
///   set_len) and `open_options`.
/// - <af/fs/metadata.hpp>: `file_metadata`, `file_type`.
///
///     std::string text = co_await af::fs::read_to_string("notes.txt");
///
/// Everything runs on the runtime's blocking pool; see the book chapter "Files, signals and
/// processes".
#include "af/fs/file.hpp"
#include "af/fs/metadata.hpp"
#include "af/fs/ops.hpp"

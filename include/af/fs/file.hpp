// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::fs::file`: an open regular file whose reads, writes and seeks are futures, and
/// `af::fs::open_options` to choose how it is opened.
///
///     af::fs::file f = co_await af::fs::file::create("out.txt");
///     co_await af::io::write_all(f, std::as_bytes(std::span(std::string_view("hello\n"))));
///     co_await f.sync_all();
///
/// Regular files are always "ready" to epoll (it refuses them outright), and a read(2) of a
/// file whose pages are not cached blocks the thread on the disk. So every operation that may
/// touch the disk runs on the runtime's blocking pool (`af::rt::spawn_blocking`); the task
/// awaits it without blocking its worker. An io_uring backend could submit file reads and writes
/// natively instead; af does not do that yet.
///
/// `file` satisfies `af::io::async_read`, `af::io::async_write` and `af::io::async_seek`, so
/// the af::io helpers (read, read_exact, read_to_end, write_all, copy, buf_reader, lines...)
/// work on it. Choosing: for a whole file at once, `af::fs::read` / `af::fs::write` are
/// simpler; use `file` to stream a large file or to work at an offset.
///
/// How it works, and why it is memory-safe when futures are dropped: at most one blocking
/// operation is in flight per file. A read runs into a buffer the file's shared state owns (the
/// job keeps that state alive), and the bytes are copied to the caller's buffer only when a
/// later poll collects the result; so a read dropped mid-way never leaves a pool thread writing
/// into freed caller memory, and its bytes are handed to the next read instead of being lost.
/// A write copies the caller's bytes into that buffer and returns at once ("write-behind"): the
/// next operation on the file (or `poll_flush`) waits for it and throws its error, if any.
///
/// Errors: std::system_error with the OS error, naming the operation and the path
/// ("open /nope/x: No such file or directory"). End of file is not an error (read returns 0).
///
/// Thread safety: a file may move between threads, but one task at a time uses it (it has one
/// waker slot for its one operation in flight).
#include <cstddef>     // std::byte, std::size_t
#include <cstdint>     // offsets
#include <filesystem>  // std::filesystem::path
#include <memory>      // std::shared_ptr
#include <optional>    // the operation in flight
#include <span>        // byte buffers
#include <string>      // the path for error messages
#include <vector>      // the shared buffer

#include "af/core/context.hpp"
#include "af/core/poll.hpp"
#include "af/core/task.hpp"
#include "af/executor/join_handle.hpp"
#include "af/fs/metadata.hpp"
#include "af/io/async_seek.hpp"

namespace af::fs {

class file;

namespace detail {
/// What a file shares with its blocking jobs: the descriptor (closed when the last of them
/// lets go) and the buffer the jobs read into and write from.
struct file_inner {
    int fd = -1;
    std::vector<std::byte> buf;
    explicit file_inner(int f) noexcept : fd(f) {}
    file_inner(const file_inner&) = delete;
    file_inner& operator=(const file_inner&) = delete;
    ~file_inner();
};
}  // namespace detail

/// How to open a file, in the manner of open(2)'s flags. Nothing is set by default; `open`
/// with neither read nor write (nor append) fails with EINVAL.
///
///     af::fs::file log = co_await af::fs::open_options().append(true).create(true).open("app.log");
class open_options {
public:
    open_options& read(bool on) noexcept { read_ = on; return *this; }
    open_options& write(bool on) noexcept { write_ = on; return *this; }
    /// Every write goes to the end (O_APPEND); implies write.
    open_options& append(bool on) noexcept { append_ = on; return *this; }
    /// Cut the file to length 0 on open (O_TRUNC); needs write.
    open_options& truncate(bool on) noexcept { truncate_ = on; return *this; }
    /// Create the file if it does not exist (O_CREAT).
    open_options& create(bool on) noexcept { create_ = on; return *this; }
    /// Create the file, failing with EEXIST if it exists (O_CREAT | O_EXCL).
    open_options& create_new(bool on) noexcept { create_new_ = on; return *this; }
    /// Permission bits for a created file (before the umask); 0666 by default.
    open_options& mode(std::uint32_t m) noexcept { mode_ = m; return *this; }

    /// Opens `path` on the blocking pool. The options are copied: the future does not borrow
    /// them. Cancellation: dropping the future after the pool started open(2) closes the
    /// descriptor when it arrives. Thread safety: any task of a runtime.
    af::task<file> open(std::filesystem::path path) const;

private:
    friend class file;
    bool read_ = false, write_ = false, append_ = false, truncate_ = false, create_ = false, create_new_ = false;
    std::uint32_t mode_ = 0666;
};

class file {
public:
    /// Opens an existing file for reading.
    static af::task<file> open(std::filesystem::path path);
    /// Opens a file for writing, creating it or cutting it to length 0.
    static af::task<file> create(std::filesystem::path path);

    file(file&&) noexcept = default;
    file& operator=(file&&) noexcept = default;
    /// Closes the descriptor once no blocking job uses it any more; a write still in flight
    /// completes, but its error (if any) is lost: call `poll_flush`/`sync_all` to see it.
    ~file() = default;

    // --- af::io traits ---
    /// Cancellation: a dropped read's bytes go to the next read. Errors throw.
    af::poll<std::size_t> poll_read(context& cx, std::span<std::byte> buf);
    /// Accepts all of `buf` at once (copied; written by the pool in the background).
    af::poll<std::size_t> poll_write(context& cx, std::span<const std::byte> buf);
    /// Ready once the previous write reached the kernel (not the disk: see sync_all).
    af::poll<void> poll_flush(context& cx);
    /// Same as poll_flush: a file has no "other side" to tell.
    af::poll<void> poll_shutdown(context& cx) { return poll_flush(cx); }
    /// lseek(2) after the operation in flight; bytes read ahead by a dropped read are
    /// accounted for (seeking from `current` is relative to what the caller has seen).
    af::poll<std::uint64_t> poll_seek(context& cx, std::int64_t offset, af::io::seek_from from);

    // --- futures; each borrows the file, which must outlive it ---
    /// Moves the position; the new position from the start.
    af::task<std::uint64_t> seek(std::int64_t offset, af::io::seek_from from);
    /// fsync(2): data and metadata reach the disk. Cancellation: the fsync still runs.
    af::task<void> sync_all();
    /// fdatasync(2).
    af::task<void> sync_data();
    /// fstat(2) of the open file.
    af::task<file_metadata> metadata();
    /// ftruncate(2): cut or extend (with zeros) to `size` bytes; the position does not move.
    af::task<void> set_len(std::uint64_t size);

    /// The descriptor (owned by the file). -1 for a moved-from file.
    int native_handle() const noexcept { return inner_ ? inner_->fd : -1; }
    const std::string& path() const noexcept { return path_; }

private:
    friend class open_options;
    file(std::shared_ptr<detail::file_inner> inner, std::string path);
    static af::task<file> open_flags(int flags, std::uint32_t mode, std::filesystem::path path);

    enum class op_kind { none, read, write };
    // Collects the operation in flight: a read's bytes become buffered, a write's error
    // throws. Ready when nothing is in flight.
    af::poll<void> poll_idle(context& cx);
    // Returns buffered read-ahead bytes to the kernel position before a write or a seek.
    void discard_read_ahead();

    std::shared_ptr<detail::file_inner> inner_;
    std::optional<af::join_handle<long>> op_;
    op_kind kind_ = op_kind::none;
    // A finished read not yet handed out: bytes [pos_, len_) of inner_->buf (len_ == 0: EOF).
    bool have_read_ = false;
    std::size_t pos_ = 0, len_ = 0;
    std::string path_;
};

}  // namespace af::fs

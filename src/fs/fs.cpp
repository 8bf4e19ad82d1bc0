// SPDX-License-Identifier: MIT
/// \file
/// af::fs: every system call that may block on the disk runs on the blocking pool; see
/// include/af/fs/file.hpp for the one-operation-in-flight protocol of `file`.
///
/// Jobs are made in a statement of their own (`auto job = spawn_blocking(...)`) before being
/// awaited: GCC 12 destroys a lambda temporary inside a co_await operand twice when the call
/// throws (spawn_blocking outside a runtime).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "../rt/fault_injection.hpp"
#include "af/fs.hpp"
#include "af/future/poll_fn.hpp"
#include "af/rt/spawn_blocking.hpp"

namespace af::fs {
namespace {

[[noreturn]] void fail(int err, const char* op, const std::string& path) {
    throw std::system_error(err, std::generic_category(), std::string(op) + " " + path);
}

// The path as the C string the system calls read. A NUL byte would silently cut it short
// ("report.txt\0../x" opens "report.txt"), so it is refused instead.
std::string c_path(const std::filesystem::path& p) {
    std::string s = p.string();
    if (s.find('\0') != std::string::npos) {
        throw std::invalid_argument("af::fs: path contains a NUL byte: '" + std::string(s.c_str()) + "\\0...'");
    }
    return s;
}

file_metadata from_stat(const struct stat& st) {
    file_metadata m;
    m.size = static_cast<std::uint64_t>(st.st_size);
    if (S_ISREG(st.st_mode)) m.kind = file_type::regular;
    else if (S_ISDIR(st.st_mode)) m.kind = file_type::directory;
    else if (S_ISLNK(st.st_mode)) m.kind = file_type::symlink;
    else m.kind = file_type::other;
    auto since_epoch = std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
    m.modified = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
    m.permissions = static_cast<std::uint32_t>(st.st_mode & 07777);
    return m;
}

int open_blocking(const std::string& path, int flags, unsigned mode) {
    for (;;) {
        int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
        if (fd >= 0) return fd;
        if (errno != EINTR) fail(errno, "open", path);
    }
}

// Reads all of fd (opened on `path`) into a container of bytes.
template <class Out>
Out read_all(const std::string& path) {
    int fd = open_blocking(path, O_RDONLY, 0);
    Out out;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size));
    std::size_t chunk = 64 * 1024;
    for (;;) {
        std::size_t old = out.size();
        out.resize(old + chunk);
        ssize_t n = ::read(fd, reinterpret_cast<char*>(out.data()) + old, chunk);
        if (n < 0 && errno == EINTR) {
            out.resize(old);
            continue;
        }
        if (n < 0) {
            int err = errno;
            ::close(fd);
            fail(err, "read", path);
        }
        out.resize(old + static_cast<std::size_t>(n));
        if (n == 0) break;
    }
    ::close(fd);
    return out;
}

// write(2) all of [p, p + n); -errno on failure.
long write_all_fd(int fd, const std::byte* p, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
        std::size_t k = n - done;
        if (af::rt::detail::fault::injector* f = af::rt::detail::fault::active()) [[unlikely]] {
            // Tests (design note 0027): a short write, or EINTR, which this loop must absorb.
            af::rt::detail::fault::decision d = af::rt::detail::fault::decide(*f, af::rt::detail::fault::site::file_write, k);
            if (d.interrupted) continue;
            k = d.len;
        }
        ssize_t w = ::write(fd, p + done, k);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -static_cast<long>(errno);
        done += static_cast<std::size_t>(w);
    }
    return static_cast<long>(done);
}

void write_file(const std::string& path, const std::vector<std::byte>& data) {
    int fd = open_blocking(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    long r = write_all_fd(fd, data.data(), data.size());
    ::close(fd);
    if (r < 0) fail(static_cast<int>(-r), "write", path);
}

file_metadata stat_path(const std::string& path, bool follow) {
    struct stat st {};
    int r = follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
    if (r != 0) fail(errno, follow ? "metadata" : "symlink_metadata", path);
    return from_stat(st);
}

}  // namespace

namespace detail {
file_inner::~file_inner() {
    if (fd >= 0) ::close(fd);
}
}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Free functions

af::task<std::vector<std::byte>> read(std::filesystem::path path) {
    auto job = af::rt::spawn_blocking([p = c_path(path)] { return read_all<std::vector<std::byte>>(p); });
    co_return co_await std::move(job);
}

af::task<std::string> read_to_string(std::filesystem::path path) {
    auto job = af::rt::spawn_blocking([p = c_path(path)] { return read_all<std::string>(p); });
    co_return co_await std::move(job);
}

af::task<void> write(std::filesystem::path path, std::span<const std::byte> data) {
    std::vector<std::byte> copy(data.begin(), data.end());
    auto job = af::rt::spawn_blocking([p = c_path(path), d = std::move(copy)] { write_file(p, d); });
    co_await std::move(job);
}

af::task<void> write(std::filesystem::path path, std::string_view text) {
    auto bytes = std::as_bytes(std::span(text.data(), text.size()));
    std::vector<std::byte> copy(bytes.begin(), bytes.end());
    auto job = af::rt::spawn_blocking([p = c_path(path), d = std::move(copy)] { write_file(p, d); });
    co_await std::move(job);
}

af::task<void> create_dir(std::filesystem::path path) {
    auto job = af::rt::spawn_blocking([p = c_path(path)] {
        if (::mkdir(p.c_str(), 0777) != 0) fail(errno, "create_dir", p);
    });
    co_await std::move(job);
}

af::task<void> create_dir_all(std::filesystem::path path) {
    (void)c_path(path);  // std::filesystem passes C strings too
    auto job = af::rt::spawn_blocking([p = std::move(path)] {
        std::error_code ec;
        std::filesystem::create_directories(p, ec);
        if (ec) fail(ec.value(), "create_dir_all", p.string());
    });
    co_await std::move(job);
}

af::task<void> remove_file(std::filesystem::path path) {
    auto job = af::rt::spawn_blocking([p = c_path(path)] {
        if (::unlink(p.c_str()) != 0) fail(errno, "remove_file", p);
    });
    co_await std::move(job);
}

af::task<void> remove_dir(std::filesystem::path path) {
    auto job = af::rt::spawn_blocking([p = c_path(path)] {
        if (::rmdir(p.c_str()) != 0) fail(errno, "remove_dir", p);
    });
    co_await std::move(job);
}

af::task<void> remove_dir_all(std::filesystem::path path) {
    (void)c_path(path);  // std::filesystem passes C strings too
    auto job = af::rt::spawn_blocking([p = std::move(path)] {
        std::error_code ec;
        std::filesystem::remove_all(p, ec);
        if (ec) fail(ec.value(), "remove_dir_all", p.string());
    });
    co_await std::move(job);
}

af::task<void> rename(std::filesystem::path from, std::filesystem::path to) {
    auto job = af::rt::spawn_blocking([f = c_path(from), t = c_path(to)] {
        if (::rename(f.c_str(), t.c_str()) != 0) fail(errno, "rename", f + " -> " + t);
    });
    co_await std::move(job);
}

af::task<std::vector<dir_entry>> read_dir(std::filesystem::path path) {
    auto job = af::rt::spawn_blocking([dir = std::move(path)] {
        std::string d = c_path(dir);
        DIR* h = ::opendir(d.c_str());
        if (h == nullptr) fail(errno, "read_dir", d);
        std::vector<dir_entry> out;
        for (;;) {
            errno = 0;
            dirent* e = ::readdir(h);
            if (e == nullptr) {
                int err = errno;
                ::closedir(h);
                if (err != 0) fail(err, "read_dir", d);
                break;
            }
            std::string name = e->d_name;
            if (name == "." || name == "..") continue;
            dir_entry entry;
            entry.path = dir / name;
            switch (e->d_type) {
                case DT_REG: entry.kind = file_type::regular; break;
                case DT_DIR: entry.kind = file_type::directory; break;
                case DT_LNK: entry.kind = file_type::symlink; break;
                case DT_UNKNOWN: {
                    // Some file systems do not fill d_type: ask lstat.
                    struct stat st {};
                    if (::fstatat(::dirfd(h), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) entry.kind = from_stat(st).kind;
                    break;
                }
                default: entry.kind = file_type::other; break;
            }
            entry.name = std::move(name);
            out.push_back(std::move(entry));
        }
        return out;
    });
    co_return co_await std::move(job);
}

af::task<file_metadata> metadata(std::filesystem::path path) {
    auto job = af::rt::spawn_blocking([p = c_path(path)] { return stat_path(p, true); });
    co_return co_await std::move(job);
}

af::task<file_metadata> symlink_metadata(std::filesystem::path path) {
    auto job = af::rt::spawn_blocking([p = c_path(path)] { return stat_path(p, false); });
    co_return co_await std::move(job);
}

af::task<bool> exists(std::filesystem::path path) {
    auto job = af::rt::spawn_blocking([p = c_path(path)] {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) return true;
        if (errno == ENOENT || errno == ENOTDIR) return false;
        fail(errno, "exists", p);
    });
    co_return co_await std::move(job);
}

// ---------------------------------------------------------------------------------------------
// open_options and file

af::task<file> open_options::open(std::filesystem::path path) const {
    int flags = 0;
    bool w = write_ || append_;
    if (read_ && w) flags = O_RDWR;
    else if (w) flags = O_WRONLY;
    else if (read_) flags = O_RDONLY;
    else flags = -1;  // reported by open_flags (inside the future, like every other error)
    if (flags != -1) {
        if (append_) flags |= O_APPEND;
        if (truncate_) flags |= O_TRUNC;
        if (create_new_) flags |= O_CREAT | O_EXCL;
        else if (create_) flags |= O_CREAT;
    }
    return file::open_flags(flags, mode_, std::move(path));
}

af::task<file> file::open_flags(int flags, std::uint32_t mode, std::filesystem::path path) {
    std::string p = c_path(path);
    if (flags == -1) fail(EINVAL, "open", p);
    // The descriptor is owned by a shared_ptr inside the job's result, so a future dropped
    // while open(2) runs closes the descriptor instead of leaking it.
    auto job = af::rt::spawn_blocking([p, flags, mode]() {
        return std::make_shared<detail::file_inner>(open_blocking(p, flags, mode));
    });
    auto inner = co_await std::move(job);
    co_return file(std::move(inner), std::move(p));
}

af::task<file> file::open(std::filesystem::path path) { return open_options().read(true).open(std::move(path)); }

af::task<file> file::create(std::filesystem::path path) {
    return open_options().write(true).create(true).truncate(true).open(std::move(path));
}

file::file(std::shared_ptr<detail::file_inner> inner, std::string path)
    : inner_(std::move(inner)), path_(std::move(path)) {}

af::poll<void> file::poll_idle(context& cx) {
    if (!op_) return {};
    af::poll<long> r = op_->poll(cx);
    if (r.is_pending()) return af::pending;
    long n = r.value();
    op_.reset();
    op_kind k = std::exchange(kind_, op_kind::none);
    if (n < 0) fail(static_cast<int>(-n), k == op_kind::read ? "read" : "write", path_);
    if (k == op_kind::read) {
        have_read_ = true;
        pos_ = 0;
        len_ = static_cast<std::size_t>(n);
    }
    return {};
}

void file::discard_read_ahead() {
    if (!have_read_) return;
    std::size_t unread = len_ - pos_;
    have_read_ = false;
    pos_ = len_ = 0;
    // The kernel position is past bytes the caller never saw: move it back to them.
    if (unread > 0 && ::lseek(inner_->fd, -static_cast<off_t>(unread), SEEK_CUR) < 0) fail(errno, "seek", path_);
}

af::poll<std::size_t> file::poll_read(context& cx, std::span<std::byte> buf) {
    for (;;) {
        if (poll_idle(cx).is_pending()) return af::pending;
        if (have_read_) {
            std::size_t n = std::min(buf.size(), len_ - pos_);
            std::memcpy(buf.data(), inner_->buf.data() + pos_, n);
            pos_ += n;
            if (pos_ == len_) have_read_ = false;  // consumed (or it was the end: reported once as 0)
            return n;
        }
        if (buf.empty()) return std::size_t{0};
        // Reads land in the shared buffer (kept alive by the job), never in `buf`.
        std::size_t want = std::min<std::size_t>(buf.size(), std::size_t{1} << 20);
        op_.emplace(af::rt::spawn_blocking([inner = inner_, want]() mutable -> long {
            inner->buf.resize(want);
            bool eintr = false;
            if (af::rt::detail::fault::injector* f = af::rt::detail::fault::active()) [[unlikely]] {
                // Tests (design note 0027): a short read, or EINTR first.
                af::rt::detail::fault::decision d = af::rt::detail::fault::decide(*f, af::rt::detail::fault::site::file_read, want);
                want = d.len;
                eintr = d.interrupted;
            }
            for (;;) {
                ssize_t n = -1;
                if (eintr) {
                    eintr = false;
                    errno = EINTR;
                } else {
                    n = ::read(inner->fd, inner->buf.data(), want);
                }
                if (n >= 0) return static_cast<long>(n);
                if (errno != EINTR) return -static_cast<long>(errno);
            }
        }));
        kind_ = op_kind::read;
    }
}

af::poll<std::size_t> file::poll_write(context& cx, std::span<const std::byte> buf) {
    if (poll_idle(cx).is_pending()) return af::pending;
    discard_read_ahead();
    if (buf.empty()) return std::size_t{0};
    inner_->buf.assign(buf.begin(), buf.end());
    op_.emplace(af::rt::spawn_blocking(
        [inner = inner_]() -> long { return write_all_fd(inner->fd, inner->buf.data(), inner->buf.size()); }));
    kind_ = op_kind::write;
    return buf.size();
}

af::poll<void> file::poll_flush(context& cx) { return poll_idle(cx); }

af::poll<std::uint64_t> file::poll_seek(context& cx, std::int64_t offset, af::io::seek_from from) {
    if (poll_idle(cx).is_pending()) return af::pending;
    discard_read_ahead();
    int whence = from == af::io::seek_from::start ? SEEK_SET : from == af::io::seek_from::current ? SEEK_CUR : SEEK_END;
    // lseek(2) only moves a number in the open file description: it never waits for the disk,
    // so it runs here rather than on the pool.
    off_t r = ::lseek(inner_->fd, static_cast<off_t>(offset), whence);
    if (r < 0) fail(errno, "seek", path_);
    return static_cast<std::uint64_t>(r);
}

af::task<std::uint64_t> file::seek(std::int64_t offset, af::io::seek_from from) {
    auto seek = af::poll_fn([this, offset, from](context& cx) { return poll_seek(cx, offset, from); });
    co_return co_await std::move(seek);
}

af::task<void> file::sync_all() {
    auto idle = af::poll_fn([this](context& cx) { return poll_idle(cx); });
    co_await std::move(idle);
    auto job = af::rt::spawn_blocking([inner = inner_, p = path_] {
        if (::fsync(inner->fd) != 0) fail(errno, "sync_all", p);
    });
    co_await std::move(job);
}

af::task<void> file::sync_data() {
    auto idle = af::poll_fn([this](context& cx) { return poll_idle(cx); });
    co_await std::move(idle);
    auto job = af::rt::spawn_blocking([inner = inner_, p = path_] {
        if (::fdatasync(inner->fd) != 0) fail(errno, "sync_data", p);
    });
    co_await std::move(job);
}

af::task<file_metadata> file::metadata() {
    auto idle = af::poll_fn([this](context& cx) { return poll_idle(cx); });
    co_await std::move(idle);
    auto job = af::rt::spawn_blocking([inner = inner_, p = path_] {
        struct stat st {};
        if (::fstat(inner->fd, &st) != 0) fail(errno, "metadata", p);
        return from_stat(st);
    });
    co_return co_await std::move(job);
}

af::task<void> file::set_len(std::uint64_t size) {
    auto idle = af::poll_fn([this](context& cx) { return poll_idle(cx); });
    co_await std::move(idle);
    auto job = af::rt::spawn_blocking([inner = inner_, p = path_, size] {
        if (::ftruncate(inner->fd, static_cast<off_t>(size)) != 0) fail(errno, "set_len", p);
    });
    co_await std::move(job);
}

}  // namespace af::fs

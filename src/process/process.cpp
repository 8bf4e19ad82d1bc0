// SPDX-License-Identifier: MIT
/// \file
/// af::process: posix_spawn, pipes registered with the reactor, and waiting through a pidfd
/// (or a blocking-pool waitpid when pidfd_open is unavailable).
#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "af/future/join.hpp"
#include "af/future/poll_fn.hpp"
#include "af/io/read_to_end.hpp"
#include "af/process.hpp"
#include "af/rt/detail/context.hpp"
#include "af/rt/spawn_blocking.hpp"

extern char** environ;

namespace af::process {
namespace {

// Relaxed: a test switch, set before the children it concerns are spawned.
std::atomic<bool> blocking_wait{false};

// Children dropped before they were reaped; reaped (WNOHANG) at each spawn.
std::mutex orphans_mutex;
std::vector<pid_t> orphans;

void reap_orphans() {
    std::lock_guard lock(orphans_mutex);
    std::erase_if(orphans, [](pid_t pid) {
        int st = 0;
        pid_t r = ::waitpid(pid, &st, WNOHANG);
        return r == pid || (r < 0 && errno == ECHILD);
    });
}

void ignore_sigpipe_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction old {};
        if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
    });
}

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return -1;
    // pidfds are close-on-exec from birth; the reactor needs non-blocking descriptors.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
#else
    (void)pid;
    return -1;
#endif
}

// Closes the descriptors it holds unless released: the child ends and /dev/null after spawn,
// everything when spawn fails.
struct fd_guard {
    std::vector<int> fds;
    ~fd_guard() {
        for (int fd : fds) ::close(fd);
    }
    int add(int fd) {
        fds.push_back(fd);
        return fd;
    }
    void release(int fd) { std::erase(fds, fd); }
};

[[noreturn]] void fail(int err, const std::string& what) {
    throw std::system_error(err, std::generic_category(), what);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// exit_status

std::optional<int> exit_status::code() const noexcept {
    if (WIFEXITED(raw)) return WEXITSTATUS(raw);
    return std::nullopt;
}

std::optional<int> exit_status::signal() const noexcept {
    if (WIFSIGNALED(raw)) return WTERMSIG(raw);
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// pipes

namespace detail {

void force_blocking_wait(bool on) noexcept { blocking_wait.store(on, std::memory_order_relaxed); }

pipe_end::pipe_end(pipe_end&& o) noexcept : src_(std::exchange(o.src_, nullptr)), name_(o.name_) {}

pipe_end& pipe_end::operator=(pipe_end&& o) noexcept {
    if (this != &o) {
        close();
        src_ = std::exchange(o.src_, nullptr);
        name_ = o.name_;
    }
    return *this;
}

int pipe_end::native_handle() const noexcept { return src_ ? src_->fd() : -1; }

void pipe_end::close() noexcept {
    if (src_ != nullptr) std::exchange(src_, nullptr)->close();
}

af::poll<std::size_t> pipe_end::read_some(context& cx, std::span<std::byte> buf) {
    if (src_ == nullptr) fail(EBADF, std::string("read ") + name_);
    af::poll<long> r = src_->poll_read(cx, buf.data(), buf.size());
    if (r.is_pending()) return af::pending;
    if (r.value() < 0) fail(static_cast<int>(-r.value()), std::string("read ") + name_);
    return static_cast<std::size_t>(r.value());
}

af::poll<std::size_t> pipe_end::write_some(context& cx, std::span<const std::byte> buf) {
    if (src_ == nullptr) fail(EPIPE, std::string("write ") + name_ + " after shutdown");
    af::poll<long> r = src_->poll_write(cx, buf.data(), buf.size());
    if (r.is_pending()) return af::pending;
    if (r.value() < 0) fail(static_cast<int>(-r.value()), std::string("write ") + name_);
    return static_cast<std::size_t>(r.value());
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// command

namespace {
// posix_spawn reads C strings: a NUL byte would silently cut an argument short, so a program,
// argument, variable or directory holding one is refused before anything runs.
void reject_nul(std::string_view what, std::string_view s) {
    if (s.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("af::process::command::spawn: " + std::string(what) + " contains a NUL byte");
    }
}
}  // namespace

child command::spawn() const {
    reject_nul("the program name", program_);
    for (const std::string& a : args_) reject_nul("an argument", a);
    for (const auto& [k, v] : env_) {
        reject_nul("an environment variable name", k);
        if (v) reject_nul("an environment variable value", *v);
    }
    if (dir_) reject_nul("the working directory", dir_->native());
    reap_orphans();
    stdio in = stdin_.value_or(stdio::inherit), out = stdout_.value_or(stdio::inherit),
          err = stderr_.value_or(stdio::inherit);
    af::rt::detail::reactor* re = af::rt::detail::current().io;
    bool any_pipe = in == stdio::piped || out == stdio::piped || err == stdio::piped;
    if (any_pipe && re == nullptr) re = &af::rt::detail::require_reactor("af::process::command::spawn");
    if (in == stdio::piped) ignore_sigpipe_once();

    const std::string what = "spawn " + program_;
    fd_guard guard;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    struct cleanup {
        posix_spawn_file_actions_t* a;
        posix_spawnattr_t* t;
        ~cleanup() {
            posix_spawn_file_actions_destroy(a);
            posix_spawnattr_destroy(t);
        }
    } cleanup_{&actions, &attr};

    int parent_ends[3] = {-1, -1, -1};
    int null_fd = -1;
    stdio modes[3] = {in, out, err};
    for (int i = 0; i < 3; ++i) {
        if (modes[i] == stdio::piped) {
            int p[2];
            if (::pipe2(p, O_CLOEXEC) != 0) fail(errno, what);
            guard.add(p[0]);
            guard.add(p[1]);
            int parent = i == 0 ? p[1] : p[0], kid = i == 0 ? p[0] : p[1];
            // Only the parent's end is non-blocking: the child expects ordinary blocking stdio.
            ::fcntl(parent, F_SETFL, ::fcntl(parent, F_GETFL) | O_NONBLOCK);
            parent_ends[i] = parent;
            posix_spawn_file_actions_adddup2(&actions, kid, i);
        } else if (modes[i] == stdio::null) {
            if (null_fd < 0) {
                null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null_fd < 0) fail(errno, what);
                guard.add(null_fd);
            }
            posix_spawn_file_actions_adddup2(&actions, null_fd, i);
        }
    }
    std::string dir;
    if (dir_) {
        dir = dir_->string();
        posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    }

    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program_.c_str()));
    for (const std::string& a : args_) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    std::vector<std::string> env_storage;
    if (!env_clear_) {
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
            std::string_view kv(*e);
            std::string key(kv.substr(0, kv.find('=')));
            if (!env_.contains(key)) env_storage.emplace_back(kv);
        }
    }
    for (const auto& [k, v] : env_)
        if (v) env_storage.push_back(k + "=" + *v);
    std::vector<char*> envp;
    for (std::string& s : env_storage) envp.push_back(s.data());
    envp.push_back(nullptr);

    pid_t pid = -1;
    int rc = program_.find('/') == std::string::npos
                 ? ::posix_spawnp(&pid, program_.c_str(), &actions, &attr, argv.data(), envp.data())
                 : ::posix_spawn(&pid, program_.c_str(), &actions, &attr, argv.data(), envp.data());
    if (rc != 0) fail(rc, what);

    child c;
    c.pid_ = pid;
    c.kill_on_drop_ = kill_on_drop_;
    // From here the child exists: register what the parent keeps (open() closes its
    // descriptor even when it throws; the guard closes the rest, and the child's ends).
    if (parent_ends[0] >= 0) {
        guard.release(parent_ends[0]);
        c.stdin_.emplace(re->open(parent_ends[0]), "child stdin");
    }
    if (parent_ends[1] >= 0) {
        guard.release(parent_ends[1]);
        c.stdout_.emplace(re->open(parent_ends[1]), "child stdout");
    }
    if (parent_ends[2] >= 0) {
        guard.release(parent_ends[2]);
        c.stderr_.emplace(re->open(parent_ends[2]), "child stderr");
    }
    if (re != nullptr && !blocking_wait.load(std::memory_order_relaxed)) {
        int pfd = pidfd_open(pid);
        if (pfd >= 0) c.pidfd_ = re->open(pfd);
    }
    return c;
}

namespace {
af::task<process::output> run_output(command c) {
    child ch = c.spawn();
    co_return co_await ch.wait_with_output();
}
af::task<exit_status> run_status(command c) {
    child ch = c.spawn();
    co_return co_await ch.wait();
}
}  // namespace

af::task<process::output> command::output() const {
    command c = *this;
    if (!c.stdin_) c.stdin_ = stdio::null;
    if (!c.stdout_) c.stdout_ = stdio::piped;
    if (!c.stderr_) c.stderr_ = stdio::piped;
    return run_output(std::move(c));
}

af::task<exit_status> command::status() const { return run_status(*this); }

// ---------------------------------------------------------------------------------------------
// child

child::child(child&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      kill_on_drop_(o.kill_on_drop_),
      status_(o.status_),
      pidfd_(std::exchange(o.pidfd_, nullptr)),
      waiter_(std::exchange(o.waiter_, std::nullopt)),
      stdin_(std::exchange(o.stdin_, std::nullopt)),
      stdout_(std::exchange(o.stdout_, std::nullopt)),
      stderr_(std::exchange(o.stderr_, std::nullopt)) {}

child& child::operator=(child&& o) noexcept {
    if (this != &o) {
        release();
        pid_ = std::exchange(o.pid_, -1);
        kill_on_drop_ = o.kill_on_drop_;
        status_ = o.status_;
        pidfd_ = std::exchange(o.pidfd_, nullptr);
        waiter_ = std::exchange(o.waiter_, std::nullopt);
        stdin_ = std::exchange(o.stdin_, std::nullopt);
        stdout_ = std::exchange(o.stdout_, std::nullopt);
        stderr_ = std::exchange(o.stderr_, std::nullopt);
    }
    return *this;
}

child::~child() { release(); }

void child::release() noexcept {
    stdin_.reset();
    stdout_.reset();
    stderr_.reset();
    if (pid_ > 0 && !status_) {
        if (kill_on_drop_) {
            try {
                kill();
            } catch (...) {
            }
        }
        if (waiter_) {
            // The fallback's waitpid job reaps it; detach the job.
            waiter_.reset();
        } else if (!try_wait()) {
            std::lock_guard lock(orphans_mutex);
            orphans.push_back(pid_);
        }
    }
    if (pidfd_ != nullptr) std::exchange(pidfd_, nullptr)->close();
    pid_ = -1;
}

child_stdin& child::stdin() {
    if (!stdin_) throw std::logic_error("af::process::child::stdin: not piped (or taken)");
    return *stdin_;
}
child_stdout& child::stdout() {
    if (!stdout_) throw std::logic_error("af::process::child::stdout: not piped (or taken)");
    return *stdout_;
}
child_stderr& child::stderr() {
    if (!stderr_) throw std::logic_error("af::process::child::stderr: not piped (or taken)");
    return *stderr_;
}

std::optional<exit_status> child::try_wait() {
    if (status_) return status_;
    if (waiter_) return std::nullopt;  // the fallback job owns the waitpid
    for (;;) {
        int st = 0;
        pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = exit_status{st};
            return status_;
        }
        if (r == 0) return std::nullopt;
        if (errno != EINTR) fail(errno, "wait " + std::to_string(pid_));
    }
}

af::task<exit_status> child::wait() {
    stdin_.reset();
    if (status_) co_return *status_;
    if (pidfd_ != nullptr) {
        for (;;) {
            auto exited = af::poll_fn([this](context& cx) { return pidfd_->poll_readable(cx); });
            co_await std::move(exited);
            if (std::optional<exit_status> st = try_wait()) co_return *st;
        }
    }
    if (!waiter_) {
        waiter_.emplace(af::rt::spawn_blocking([pid = pid_]() -> int {
            for (;;) {
                int st = 0;
                if (::waitpid(pid, &st, 0) == pid) return st;
                if (errno != EINTR) return -errno;  // a status word is 0..0xffff: negative is an error
            }
        }));
    }
    auto waited = af::poll_fn([this](context& cx) { return waiter_->poll(cx); });
    int st = co_await std::move(waited);
    waiter_.reset();
    if (st < 0) fail(-st, "wait " + std::to_string(pid_));
    status_ = exit_status{st};
    co_return *status_;
}

void child::kill() {
    if (pid_ <= 0 || status_) return;
    if (pidfd_ != nullptr) {
#ifdef SYS_pidfd_send_signal
        if (::syscall(SYS_pidfd_send_signal, pidfd_->fd(), SIGKILL, nullptr, 0) == 0) return;
        if (errno != ENOSYS) fail(errno, "kill " + std::to_string(pid_));
#endif
    }
    if (::kill(pid_, SIGKILL) != 0) fail(errno, "kill " + std::to_string(pid_));
}

namespace {
af::task<void> drain(std::optional<child_stdout>& s, std::vector<std::byte>& out) {
    if (s) co_await af::io::read_to_end(*s, out);
}
af::task<void> drain_err(std::optional<child_stderr>& s, std::vector<std::byte>& out) {
    if (s) co_await af::io::read_to_end(*s, out);
}
}  // namespace

af::task<process::output> child::wait_with_output() {
    stdin_.reset();
    process::output o;
    co_await af::join(drain(stdout_, o.stdout_bytes), drain_err(stderr_, o.stderr_bytes));
    stdout_.reset();
    stderr_.reset();
    o.status = co_await wait();
    co_return o;
}

}  // namespace af::process

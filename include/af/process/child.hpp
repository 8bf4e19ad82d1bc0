// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::process::child`: a running child process (made by `af::process::command::spawn`), its
/// pipes (`child_stdin`, `child_stdout`, `child_stderr`) and its `exit_status`.
///
///     af::process::child c = af::process::command("cat").stdin(af::process::stdio::piped)
///                                .stdout(af::process::stdio::piped).spawn();
///     co_await af::io::write_all(c.stdin(), bytes);
///     c.take_stdin();   // closes it: cat sees end of input
///     co_await af::io::read_to_end(c.stdout(), out);
///     af::process::exit_status st = co_await c.wait();
///
/// Waiting: the child's pidfd (pidfd_open, Linux 5.3+) is registered with the runtime's reactor
/// and becomes readable when the child exits; no thread waits. When pidfd_open fails (older
/// kernel, seccomp), a blocking-pool job calls waitpid instead.
///
/// The pipes are the parent's ends, non-blocking and registered with the reactor: they satisfy
/// af::io::async_write (stdin) and af::io::async_read (stdout, stderr), so af::io helpers work.
/// Errors throw std::system_error naming the pipe ("write child stdin: Broken pipe").
/// Cancellation (pipes): a dropped read or write loses nothing (readiness-based, see
/// af/rt/detail/reactor.hpp). Thread safety: one task at a time per pipe; pipes and the child
/// may move between threads and be used from different tasks.
#include <sys/types.h>  // pid_t

#include <cstddef>   // std::byte
#include <optional>  // status, pipes
#include <span>      // byte buffers
#include <utility>   // std::exchange
#include <vector>    // output bytes

#include "af/core/context.hpp"
#include "af/core/poll.hpp"
#include "af/core/task.hpp"
#include "af/executor/join_handle.hpp"
#include "af/rt/detail/reactor.hpp"

namespace af::process {

/// How a child ended: a normal exit with a code, or death by a signal.
struct exit_status {
    int raw = 0;  // the waitpid(2) status word
    /// The exit code, when it exited normally.
    std::optional<int> code() const noexcept;
    /// The terminating signal, when a signal killed it.
    std::optional<int> signal() const noexcept;
    /// Exited with code 0.
    bool success() const noexcept { return code() == 0; }
};

/// What `command::output()` and `child::wait_with_output()` collect.
struct output {
    exit_status status;
    std::vector<std::byte> stdout_bytes;
    std::vector<std::byte> stderr_bytes;
};

namespace detail {
/// The parent's end of one pipe to a child, registered with the reactor.
class pipe_end {
public:
    pipe_end(af::rt::detail::io_source* s, const char* name) noexcept : src_(s), name_(name) {}
    pipe_end(pipe_end&& o) noexcept;
    pipe_end& operator=(pipe_end&& o) noexcept;
    ~pipe_end() { close(); }

    int native_handle() const noexcept;

protected:
    af::poll<std::size_t> read_some(context& cx, std::span<std::byte> buf);
    af::poll<std::size_t> write_some(context& cx, std::span<const std::byte> buf);
    void close() noexcept;

private:
    af::rt::detail::io_source* src_;
    const char* name_;  // "child stdin", for error messages
};

/// Tests only: make children wait with a blocking-pool waitpid instead of a pidfd.
void force_blocking_wait(bool on) noexcept;
}  // namespace detail

/// The write end of a child's standard input. `poll_shutdown` closes it (the child reads end
/// of file); so does dropping it.
class child_stdin : public detail::pipe_end {
public:
    using detail::pipe_end::pipe_end;
    af::poll<std::size_t> poll_write(context& cx, std::span<const std::byte> buf) { return write_some(cx, buf); }
    af::poll<void> poll_flush(context&) { return {}; }  // a pipe has no user-space buffer
    af::poll<void> poll_shutdown(context&) {
        close();
        return {};
    }
};

/// The read end of a child's standard output.
class child_stdout : public detail::pipe_end {
public:
    using detail::pipe_end::pipe_end;
    af::poll<std::size_t> poll_read(context& cx, std::span<std::byte> buf) { return read_some(cx, buf); }
};

/// The read end of a child's standard error.
class child_stderr : public detail::pipe_end {
public:
    using detail::pipe_end::pipe_end;
    af::poll<std::size_t> poll_read(context& cx, std::span<std::byte> buf) { return read_some(cx, buf); }
};

class command;

/// A spawned child process. Dropping it does not wait: a child still running keeps running (or
/// is killed first with `kill_on_drop(true)`), and af reaps it later (at a following spawn) so
/// no zombie stays behind.
class child {
public:
    child(child&& o) noexcept;
    child& operator=(child&& o) noexcept;
    ~child();

    /// The process id. Once the child has been waited for, the id may belong to another process.
    pid_t id() const noexcept { return pid_; }

    /// The pipes set up as stdio::piped; std::logic_error when not piped (or already taken).
    child_stdin& stdin();
    child_stdout& stdout();
    child_stderr& stderr();
    /// Takes a pipe out of the child (empty when not piped). Dropping the taken stdin closes it.
    std::optional<child_stdin> take_stdin() noexcept { return std::exchange(stdin_, std::nullopt); }
    std::optional<child_stdout> take_stdout() noexcept { return std::exchange(stdout_, std::nullopt); }
    std::optional<child_stderr> take_stderr() noexcept { return std::exchange(stderr_, std::nullopt); }

    /// Waits for the child to exit and reaps it. Closes the child's stdin first (a child
    /// reading it would otherwise wait for ever). Once done, further waits return the same
    /// status at once. The future borrows the child.
    /// Cancellation: dropping it loses nothing; the child is reaped by the next wait (or, with
    /// the waitpid fallback, by the job already running, whose result the next wait collects).
    /// Thread safety: one wait at a time per child.
    af::task<exit_status> wait();
    /// The status if the child has exited (reaping it), without waiting.
    std::optional<exit_status> try_wait();
    /// Sends SIGKILL (through the pidfd when there is one, so it cannot reach a recycled pid).
    /// Does nothing once the child has been reaped. Does not wait: call wait() after it.
    void kill();
    /// Closes stdin, reads stdout and stderr to the end concurrently (reading one after the
    /// other could deadlock: a child blocked writing a full stderr pipe never closes stdout),
    /// then waits. A pipe that is not piped gives empty bytes.
    /// Cancellation: bytes read so far are lost; the child is left running (see wait()).
    af::task<process::output> wait_with_output();

private:
    friend class command;
    child() = default;
    void release() noexcept;

    pid_t pid_ = -1;
    bool kill_on_drop_ = false;
    std::optional<exit_status> status_;
    af::rt::detail::io_source* pidfd_ = nullptr;  // null: the waitpid fallback
    std::optional<af::join_handle<int>> waiter_;   // the fallback's waitpid job
    std::optional<child_stdin> stdin_;
    std::optional<child_stdout> stdout_;
    std::optional<child_stderr> stderr_;
};

}  // namespace af::process

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::process::command`: describes a program to run (arguments, environment, directory,
/// stdio) and starts it: `spawn()` for a `child` to talk to, `output()` to run it to the end and
/// collect what it printed, `status()` to run it and get its exit status.
///
///     af::process::output o = co_await af::process::command("git").arg("rev-parse").arg("HEAD").output();
///     if (o.status.success()) use(o.stdout_bytes);
///
/// The program is looked up in PATH when its name has no '/' (the parent's PATH, even when the
/// child's environment is cleared). Starting uses posix_spawn (glibc's is a vfork-style clone
/// that reports exec failures back), so a missing program or a bad directory throws
/// std::system_error from spawn() ("spawn nope: No such file or directory") instead of giving
/// a child that exits with 127. Every descriptor af opens is close-on-exec: the child gets only
/// its three stdio descriptors from af.
///
/// The child starts with an empty signal mask and SIGPIPE at its default action. The parent:
/// the first spawn with a piped stdin sets SIGPIPE to ignored if it was at its default (death),
/// so writing to a child that exited throws "Broken pipe" instead of killing the program.
///
/// Thread safety: a command is a plain value; spawn from any task of a runtime with I/O
/// (pipes and the pidfd are registered with its reactor).
#include <filesystem>  // current_dir
#include <map>         // environment changes
#include <optional>    // unset variables, directory
#include <string>      // program, arguments
#include <vector>      // arguments

#include "af/core/task.hpp"
#include "af/process/child.hpp"

namespace af::process {

/// Where a child's standard stream goes.
enum class stdio {
    inherit,  // the parent's own descriptor (the default for spawn)
    piped,    // a pipe to the parent: child::stdin()/stdout()/stderr()
    null,     // /dev/null
};

class command {
public:
    explicit command(std::string program) : program_(std::move(program)) {}

    command& arg(std::string a) {
        args_.push_back(std::move(a));
        return *this;
    }
    template <class Range>
    command& args(const Range& r) {
        for (const auto& a : r) args_.emplace_back(a);
        return *this;
    }
    command& env(std::string key, std::string value) {
        env_[std::move(key)] = std::move(value);
        return *this;
    }
    command& env_remove(std::string key) {
        env_[std::move(key)] = std::nullopt;
        return *this;
    }
    /// Start from an empty environment (the variables set with env() still apply).
    command& env_clear() {
        env_clear_ = true;
        env_.clear();
        return *this;
    }
    command& current_dir(std::filesystem::path dir) {
        dir_ = std::move(dir);
        return *this;
    }
    command& stdin(stdio s) noexcept {
        stdin_ = s;
        return *this;
    }
    command& stdout(stdio s) noexcept {
        stdout_ = s;
        return *this;
    }
    command& stderr(stdio s) noexcept {
        stderr_ = s;
        return *this;
    }
    /// Send SIGKILL to the child when its `child` object is dropped before it was reaped.
    command& kill_on_drop(bool on) noexcept {
        kill_on_drop_ = on;
        return *this;
    }

    /// Starts the program now. Throws std::system_error ("spawn <program>: <reason>") when it
    /// cannot start, std::logic_error outside a runtime with I/O when a pipe is requested.
    child spawn() const;

    /// Runs the program to the end with stdout and stderr piped (unless set otherwise) and stdin
    /// at /dev/null (unless set), collecting both outputs. The command is copied: the future
    /// does not borrow it; the program starts when the future is first polled.
    /// Cancellation: dropping the future drops the child (killed if kill_on_drop was set).
    af::task<process::output> output() const;
    /// Runs the program with the stdio as set (inherit by default) and waits for it.
    af::task<exit_status> status() const;

    const std::string& program() const noexcept { return program_; }

private:
    std::string program_;
    std::vector<std::string> args_;
    std::map<std::string, std::optional<std::string>> env_;
    bool env_clear_ = false;
    std::optional<std::filesystem::path> dir_;
    std::optional<stdio> stdin_, stdout_, stderr_;
    bool kill_on_drop_ = false;
};

}  // namespace af::process

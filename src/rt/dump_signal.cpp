// SPDX-License-Identifier: MIT
// Task dumps on a signal (builder::dump_on_signal, AF_DUMP_SIGNAL; issue 21).
//
// The handler only writes the signal's number to a pipe, the one thing it may safely do. A
// thread of af's reads the pipe and dumps every runtime registered for that signal. Nothing
// here waits for a worker: the dump reads the runtime's task list under its own locks, so it
// works when every worker is stuck in a blocking call, which is when it is wanted.
//
// Process-wide state, under one mutex: the registrations, the pipe, the thread, and the
// handlers we installed with the ones they replaced. The thread starts with the first
// registration and stops with the last one, when the old handlers go back too.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <system_error>

#include "af/rt/detail/thread_config.hpp"
#include "internal.hpp"

namespace af::rt::detail {
namespace {

struct registration {
    int signum;
    runtime_core* rt;
    std::function<void(const std::string&)> hook;
};

struct dump_state {
    // Held by register and unregister throughout, so that no reader starts while the last
    // unregister waits for the old one to stop (it would take the stop byte). The reader
    // itself only takes `m`.
    std::mutex life;
    std::mutex m;
    std::vector<registration> regs;
    std::map<int, struct sigaction> previous;  // signals we handle, and what they did before
    std::thread reader;
};

dump_state& state() {
    static dump_state* s = new dump_state;  // never destroyed: a late signal must find it
    return *s;
}

// Written by the handler, so a plain int set before any handler is installed. -1: no pipe yet.
int pipe_write = -1;
int pipe_read = -1;

extern "C" void on_dump_signal(int signum) {
    int saved = errno;
    unsigned char b = static_cast<unsigned char>(signum);
    ssize_t ignored = ::write(pipe_write, &b, 1);  // non-blocking: a full pipe drops the byte
    (void)ignored;
    errno = saved;
}

std::string render(const runtime_core* rt, const std::vector<task_dump>& tasks) {
    std::ostringstream o;
    std::size_t roots = 0;
    for (const task_dump& t : tasks) roots += t.is_root ? 1 : 0;
    std::size_t n = tasks.size() - roots;
    o << "af: dump of runtime " << static_cast<const void*>(rt) << ": " << n << " live task" << (n == 1 ? "" : "s");
    if (roots > 0) o << ", " << roots << " block_on future" << (roots == 1 ? "" : "s");
    o << '\n';
    for (const task_dump& t : tasks) o << to_string(t);
    return o.str();
}

void read_loop() {
    apply_thread_name("af-dump");
    for (;;) {
        unsigned char b = 0;
        ssize_t n = ::read(pipe_read, &b, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || b == 0) return;  // 0: unregister_dump stops us
        dump_state& s = state();
        std::lock_guard lk(s.m);  // keeps each runtime alive: unregister_dump waits for us
        for (registration& r : s.regs) {
            if (r.signum != b) continue;
            std::string text;
            try {
                text = render(r.rt, dump_all(*r.rt));
                if (r.hook) {
                    r.hook(text);
                } else {
                    std::fputs(text.c_str(), stderr);
                }
            } catch (...) {
                std::fputs("af: a task dump on a signal failed (out of memory, or the on_dump hook threw)\n", stderr);
            }
        }
    }
}

}  // namespace

int parse_signal(const char* text) noexcept {
    if (text == nullptr || *text == '\0') return 0;
    if (text[0] >= '0' && text[0] <= '9') {
        char* end = nullptr;
        long n = std::strtol(text, &end, 10);
        return (*end == '\0' && n > 0 && n < 65) ? static_cast<int>(n) : 0;
    }
    if (std::strncmp(text, "SIG", 3) == 0) text += 3;
    static constexpr struct {
        const char* name;
        int signum;
    } names[] = {{"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"HUP", SIGHUP},
                 {"INT", SIGINT},   {"TERM", SIGTERM}, {"WINCH", SIGWINCH}, {"URG", SIGURG}};
    for (const auto& n : names) {
        if (std::strcmp(text, n.name) == 0) return n.signum;
    }
    return 0;
}

void register_dump(int signum, runtime_core* rt, std::function<void(const std::string&)> hook) {
    if (signum <= 0 || signum > 255 || signum == SIGKILL || signum == SIGSTOP) {
        throw std::invalid_argument("af::rt::builder: dump_on_signal needs a signal that can be caught");
    }
    dump_state& s = state();
    std::lock_guard life(s.life);
    std::lock_guard lk(s.m);
    if (pipe_write < 0) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "af: dump pipe");
        ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
        pipe_read = fds[0];
        pipe_write = fds[1];  // before any handler is installed, so the handler sees it
    }
    if (!s.previous.contains(signum)) {
        struct sigaction sa {};
        sa.sa_handler = on_dump_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        struct sigaction old {};
        if (::sigaction(signum, &sa, &old) != 0) {
            throw std::system_error(errno, std::generic_category(), "af: installing the dump signal handler");
        }
        s.previous.emplace(signum, old);
    }
    if (!s.reader.joinable()) s.reader = std::thread(read_loop);
    s.regs.push_back({signum, rt, std::move(hook)});
}

void unregister_dump(runtime_core* rt) noexcept {
    dump_state& s = state();
    std::lock_guard life(s.life);
    std::thread reader;
    {
        std::lock_guard lk(s.m);
        bool found = false;
        for (std::size_t i = 0; i < s.regs.size(); ++i) {
            if (s.regs[i].rt != rt) continue;
            int signum = s.regs[i].signum;
            s.regs.erase(s.regs.begin() + static_cast<std::ptrdiff_t>(i));
            found = true;
            bool still_used = false;
            for (const registration& r : s.regs) still_used = still_used || r.signum == signum;
            if (!still_used) {
                ::sigaction(signum, &s.previous[signum], nullptr);
                s.previous.erase(signum);
            }
            break;
        }
        if (!found || !s.regs.empty()) return;
        // The last one: stop the reader (joined outside the lock it may be waiting for).
        unsigned char stop = 0;
        while (::write(pipe_write, &stop, 1) < 0 && errno == EINTR) {
        }
        reader = std::move(s.reader);
    }
    if (reader.joinable()) reader.join();
}

}  // namespace af::rt::detail

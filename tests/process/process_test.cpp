// SPDX-License-Identifier: MIT
#include "af/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <system_error>
#include <tuple>

#include "af/core/task.hpp"
#include "af/io/read_to_end.hpp"
#include "af/io/write_all.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"

namespace process_process_test {

namespace {

using backend = af::rt::io_backend;

std::string text_of(const std::vector<std::byte>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size()); }
std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// backend, multi_thread, waitpid fallback
class process_rt : public ::testing::TestWithParam<std::tuple<backend, bool, bool>> {
protected:
    void SetUp() override {
        af::process::detail::force_blocking_wait(std::get<2>(GetParam()));
        af::rt::builder b;
        if (std::get<1>(GetParam())) b.multi_thread().worker_threads(2);
        else b.current_thread();
        try {
            rt_.emplace(b.enable_all().io_backend(std::get<0>(GetParam())).build());
        } catch (const std::system_error& e) {
            GTEST_SKIP() << "backend unavailable: " << e.what();
        }
    }
    void TearDown() override { af::process::detail::force_blocking_wait(false); }
    std::optional<af::rt::runtime> rt_;
};

TEST_P(process_rt, echo_output_is_collected) {
    af::process::output o = rt_->block_on([]() -> af::task<af::process::output> {
        std::vector<std::string> more{"a", "b"};
        af::process::command cmd("/bin/echo");
        cmd.arg("hello").args(more);
        co_return co_await cmd.output();
    });
    EXPECT_EQ(text_of(o.stdout_bytes), "hello a b\n");
    EXPECT_TRUE(o.stderr_bytes.empty());
    EXPECT_TRUE(o.status.success());
}

TEST_P(process_rt, cat_round_trips_through_stdin_and_stdout) {
    std::string big;
    for (int i = 0; i < 20000; ++i) big += "line " + std::to_string(i) + "\n";  // > a pipe buffer both ways
    std::string got = rt_->block_on([big]() -> af::task<std::string> {
        af::process::child c = af::process::command("cat")
                                   .stdin(af::process::stdio::piped)
                                   .stdout(af::process::stdio::piped)
                                   .spawn();
        EXPECT_GT(c.id(), 0);
        auto in = c.take_stdin();
        auto writer = af::rt::spawn([in = std::move(*in), big]() mutable -> af::task<void> {
            co_await af::io::write_all(in, bytes_of(big));
        });  // dropping `in` at the end closes cat's stdin
        std::vector<std::byte> out;
        co_await af::io::read_to_end(c.stdout(), out);
        co_await std::move(writer);
        af::process::exit_status st = co_await c.wait();
        EXPECT_EQ(st.code(), 0);
        co_return text_of(out);
    });
    EXPECT_EQ(got.size(), big.size());
    EXPECT_TRUE(got == big);
}

TEST_P(process_rt, exit_codes_env_and_directory_reach_the_child) {
    af::process::output o = rt_->block_on([]() -> af::task<af::process::output> {
        co_return co_await af::process::command("/bin/sh")
            .arg("-c")
            .arg("echo \"$AF_X\" $(pwd) >&2; exit 3")
            .env_clear()
            .env("AF_X", "value")
            .current_dir("/tmp")
            .output();
    });
    EXPECT_EQ(o.status.code(), 3);
    EXPECT_FALSE(o.status.success());
    EXPECT_FALSE(o.status.signal().has_value());
    EXPECT_EQ(text_of(o.stderr_bytes), "value /tmp\n");
}

TEST_P(process_rt, a_nul_byte_in_an_argument_or_variable_is_refused_before_spawning) {
    using namespace std::string_literals;
    rt_->block_on([]() -> af::task<void> {
        EXPECT_THROW(co_await af::process::command("/bin/echo").arg("a\0b"s).output(), std::invalid_argument);
        EXPECT_THROW(co_await af::process::command("/bin/echo\0x"s).output(), std::invalid_argument);
        EXPECT_THROW(co_await af::process::command("/bin/echo").env("A"s, "1\0"s).output(), std::invalid_argument);
    });
}

TEST_P(process_rt, kill_ends_a_child_with_sigkill) {
    af::process::exit_status st = rt_->block_on([]() -> af::task<af::process::exit_status> {
        af::process::child c = af::process::command("sleep").arg("30").spawn();
        c.kill();
        co_return co_await c.wait();
    });
    EXPECT_EQ(st.signal(), SIGKILL);
    EXPECT_FALSE(st.code().has_value());
}

TEST_P(process_rt, a_missing_program_throws_from_spawn) {
    std::string what = rt_->block_on([]() -> af::task<std::string> {
        try {
            af::process::child c = af::process::command("af-no-such-program").spawn();
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code().value(), ENOENT);
            co_return e.what();
        }
        co_return "spawned";
    });
    EXPECT_EQ(what, "spawn af-no-such-program: No such file or directory");
}

TEST_P(process_rt, kill_on_drop_kills_a_running_child) {
    pid_t pid = rt_->block_on([]() -> af::task<pid_t> {
        af::process::child c = af::process::command("sleep").arg("30").kill_on_drop(true).spawn();
        co_return c.id();
    });
    // The child was killed (and reaped, or handed to the orphan list): within a moment no
    // process of that id runs `sleep 30` any more. Reap it here if af has not yet.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool gone = false;
    while (!gone && std::chrono::steady_clock::now() < deadline) {
        int st = 0;
        pid_t r = ::waitpid(pid, &st, WNOHANG);
        gone = r == pid || (r < 0 && errno == ECHILD);
        if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(gone);
}

TEST_P(process_rt, a_dropped_wait_loses_nothing) {
    af::process::exit_status st = rt_->block_on([]() -> af::task<af::process::exit_status> {
        af::process::child c = af::process::command("/bin/sh").arg("-c").arg("exit 7").spawn();
        {
            auto w = c.wait();
            af::waker nw = af::waker::noop();
            af::context cx(nw);
            (void)w.poll(cx);  // pending (or ready): dropped either way
        }
        co_return co_await c.wait();
    });
    EXPECT_EQ(st.code(), 7);
}

std::string name_of(const ::testing::TestParamInfo<std::tuple<backend, bool, bool>>& info) {
    return std::string(std::get<0>(info.param) == backend::epoll ? "epoll" : "io_uring") +
           (std::get<1>(info.param) ? "_multi_thread" : "_current_thread") +
           (std::get<2>(info.param) ? "_waitpid" : "_pidfd");
}

INSTANTIATE_TEST_SUITE_P(backends, process_rt,
                         ::testing::Combine(::testing::Values(backend::epoll, backend::io_uring), ::testing::Bool(),
                                            ::testing::Bool()),
                         name_of);

static_assert(af::io::async_write<af::process::child_stdin>);
static_assert(af::io::async_read<af::process::child_stdout> && af::io::async_read<af::process::child_stderr>);

TEST(process, a_pipe_that_was_not_requested_is_a_logic_error) {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    rt.block_on([]() -> af::task<void> {
        af::process::child c = af::process::command("true").stdout(af::process::stdio::null).spawn();
        EXPECT_THROW(c.stdout(), std::logic_error);
        EXPECT_TRUE((co_await c.wait()).success());
    });
}

}  // namespace

}  // namespace process_process_test

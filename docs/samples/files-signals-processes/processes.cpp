// SPDX-License-Identifier: MIT
// af::process: output() of a short command, a conversation with `sort` through its pipes,
// exit codes, kill, and a missing program.
#include <af/core/task.hpp>
#include <af/io/read_to_end.hpp>
#include <af/io/write_all.hpp>
#include <af/process.hpp>
#include <af/rt/runtime.hpp>

#include <csignal>
#include <cstdio>
#include <string>
#include <system_error>

std::string text(const std::vector<std::byte>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size()); }

af::task<void> demo() {
    af::process::output o = co_await af::process::command("echo").arg("hello from a child").output();
    std::printf("echo said: %s", text(o.stdout_bytes).c_str());
    std::printf("echo exited with %d\n", o.status.code().value_or(-1));

    af::process::child sort = af::process::command("sort")
                                  .stdin(af::process::stdio::piped)
                                  .stdout(af::process::stdio::piped)
                                  .kill_on_drop(true)
                                  .spawn();
    std::string input = "pear\napple\nfig\n";
    co_await af::io::write_all(sort.stdin(), std::as_bytes(std::span(input.data(), input.size())));
    sort.take_stdin();  // closing stdin tells sort the input is complete
    std::vector<std::byte> sorted;
    co_await af::io::read_to_end(sort.stdout(), sorted);
    af::process::exit_status st = co_await sort.wait();
    std::printf("sort said:\n%ssort succeeded: %s\n", text(sorted).c_str(), st.success() ? "yes" : "no");

    af::process::exit_status three = co_await af::process::command("sh").arg("-c").arg("exit 3").status();
    std::printf("sh exited with %d\n", three.code().value_or(-1));

    af::process::child sleeper = af::process::command("sleep").arg("60").spawn();
    sleeper.kill();
    af::process::exit_status killed = co_await sleeper.wait();
    std::printf("sleep was killed by signal %d (SIGKILL: %s)\n", killed.signal().value_or(-1),
                killed.signal() == SIGKILL ? "yes" : "no");

    try {
        af::process::child nope = af::process::command("no-such-program-af").spawn();
    } catch (const std::system_error& e) {
        std::printf("%s\n", e.what());
    }
}

int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    rt.block_on(demo());
}

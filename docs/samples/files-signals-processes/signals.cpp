// SPDX-License-Identifier: MIT
// af::signal: two listeners of SIGUSR1 each see every delivery; ctrl_c() ends a wait on SIGINT.
// (The program signals itself, so the sample runs unattended.)
#include <af/core/task.hpp>
#include <af/rt/runtime.hpp>
#include <af/rt/spawn.hpp>
#include <af/signal.hpp>
#include <af/stream/next.hpp>

#include <csignal>
#include <cstdio>

af::task<void> demo() {
    af::signal::signal_stream reloads = af::signal::signal(SIGUSR1);
    af::signal::signal_stream audit = af::signal::signal(SIGUSR1);
    auto auditor = af::rt::spawn([audit = std::move(audit)]() mutable -> af::task<int> {
        int seen = 0;
        for (int i = 0; i < 2; ++i) {
            std::optional<int> sig = co_await af::next(audit);
            if (sig) ++seen;
        }
        co_return seen;
    });
    for (int i = 1; i <= 2; ++i) {
        ::raise(SIGUSR1);
        std::optional<int> sig = co_await af::next(reloads);
        std::printf("reload %d (signal %d is SIGUSR1: %s)\n", i, *sig, *sig == SIGUSR1 ? "yes" : "no");
    }
    std::printf("the auditor saw %d deliveries too\n", co_await std::move(auditor));

    auto stop = af::signal::ctrl_c();  // listening starts here
    ::raise(SIGINT);                   // what Ctrl-C in a terminal does
    co_await std::move(stop);
    std::printf("ctrl-c: shutting down cleanly\n");
}

int main() {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_all().build();
    rt.block_on(demo());
}

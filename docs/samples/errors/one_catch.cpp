// SPDX-License-Identifier: MIT
// One catch for every runtime failure, and the code says which (docs/design/0015-error-model.md).
#include <af/rt.hpp>

#include <cassert>
#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>

#include "af/channel/mpsc.hpp"
#include "af/channel/oneshot.hpp"
#include "af/future/never.hpp"
#include "af/net/tcp_stream.hpp"
#include "af/sync/semaphore.hpp"
#include "af/time/timeout.hpp"

using namespace std::chrono_literals;

// What a session loop would log: the category says who noticed, the code says what.
std::string describe(const std::system_error& e) {
    std::string who = e.code().category().name();
    if (e.code() == af::errc::closed) return who + ": the other side is gone";
    if (e.code() == std::errc::timed_out) return who + ": too slow";  // af::errc::timed_out too
    if (e.code() == std::errc::operation_canceled) return who + ": cancelled";
    return who + ": " + e.what();
}

int main() {
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    rt.block_on([]() -> af::task<void> {
        // 1. A single value that can never come throws af::closed_error.
        auto [tx, rx] = af::channel::oneshot::channel<int>();
        { auto gone = std::move(tx); }  // dropped unsent
        try {
            co_await std::move(rx);
            assert(false);
        } catch (const std::system_error& e) {
            std::printf("%s\n", describe(e).c_str());
        }

        // 2. A deadline: af::time::elapsed_error, equal to std::errc::timed_out.
        auto slow = af::time::timeout(1ms, af::never<int>());
        auto r = co_await std::move(slow);
        try {
            (void)r.value();
            assert(false);
        } catch (const std::system_error& e) {
            std::printf("%s\n", describe(e).c_str());
        }

        // 3. An aborted task: af::cancelled_error, equal to std::errc::operation_canceled.
        auto h = af::rt::spawn(af::never<void>());
        h.abort();
        try {
            co_await std::move(h);
            assert(false);
        } catch (const af::error& e) {  // af's own conditions share this base
            std::printf("%s\n", describe(e).c_str());
        }

        // 4. The operating system's errors are std::system_error in the generic category.
        try {
            // Port 1 on loopback: nothing listens there.
            auto s = co_await af::net::tcp_stream::connect(af::net::socket_addr::parse("127.0.0.1:1"));
            (void)s;
            assert(false);
        } catch (const std::system_error& e) {
            assert(e.code() == std::errc::connection_refused);
            std::printf("%s: refused\n", e.code().category().name());
        }

        // 5. Outcomes to branch on are values, not exceptions.
        auto [mtx, mrx] = af::channel::mpsc::bounded<int>(1);
        auto first = mrx.try_recv();
        assert(first.is_empty());  // nothing yet; a sender still exists
        { auto gone = std::move(mtx); }
        auto second = mrx.try_recv();
        assert(second.is_closed());  // and now nothing ever
        std::printf("try_recv: empty, then closed\n");
    });
}

// SPDX-License-Identifier: MIT
#include "af/asio/runtime_executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "af/asio/use_future.hpp"
#include "af/core/task.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"
#include "af/time/sleep.hpp"

namespace asio_runtime_executor_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using executor = af::asio::runtime_context::executor_type;

static_assert(asio::execution::is_executor<executor>::value);
static_assert(std::is_convertible_v<executor, asio::any_io_executor>);

TEST(AsioRuntimeExecutor, PostRunsOnAWorkerWithTheRuntimeCurrent) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(2).enable_time().build();
    af::asio::runtime_context ctx(rt.handle());
    EXPECT_TRUE(ctx.get_executor() == ctx.get_executor());
    EXPECT_TRUE(&asio::query(ctx.get_executor(), asio::execution::context) == &ctx);
    std::promise<int> done;
    asio::post(ctx.get_executor(), [&] {
        // An af API that needs a current runtime works in the handler.
        auto h = af::rt::spawn([]() -> af::task<int> {
            co_await af::time::sleep(1ms);
            co_return 4;
        });
        af::rt::spawn([&done, h = std::move(h)]() mutable -> af::task<void> {
            done.set_value(co_await std::move(h));
        });
    });
    EXPECT_EQ(done.get_future().get(), 4);
}

TEST(AsioRuntimeExecutor, AsioTimerHandlersRunOnAfWorkers) {
    af::rt::runtime rt = af::rt::builder().multi_thread().worker_threads(1).build();
    af::asio::runtime_context ctx(rt.handle());
    asio::any_io_executor any = ctx.get_executor();
    asio::steady_timer t(any, 1ms);
    std::promise<bool> in_runtime;
    t.async_wait([&](boost::system::error_code ec) {
        EXPECT_FALSE(ec);
        in_runtime.set_value(af::rt::handle::try_current().has_value());
    });
    EXPECT_TRUE(in_runtime.get_future().get());
}

TEST(AsioRuntimeExecutor, RuntimeShutDownWithAsioOperationsInFlight) {
    auto witness = std::make_shared<int>(0);
    std::atomic<bool> called{false};
    std::optional<af::rt::runtime> rt(af::rt::builder().multi_thread().worker_threads(1).build());
    {
        af::asio::runtime_context ctx(rt->handle());
        auto t = std::make_unique<asio::steady_timer>(ctx.get_executor(), std::chrono::hours(1));
        t->async_wait([&called, witness](boost::system::error_code) { called = true; });
        rt.reset();  // the runtime shuts down with the wait pending
        t.reset();   // cancels the wait: its handler goes to a runtime that is gone
        EXPECT_FALSE(called.load());
    }  // the context's services shut down
    EXPECT_FALSE(called.load());
    EXPECT_EQ(witness.use_count(), 1);  // the handler was destroyed, not leaked
}

}  // namespace asio_runtime_executor_test

// SPDX-License-Identifier: MIT
#include "af/future/from_callback.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/test/wake_counter.hpp"

namespace future_from_callback_test {

// A C-style API: start(arg, cb, user) calls cb(user, arg * 2) later, from whoever calls fire().
struct fake_c_api {
    af::c_callback cb = nullptr;
    void* user = nullptr;
    int arg = 0;
    bool cancelled = false;
    void start(int a, af::c_callback c, void* u) {
        arg = a;
        cb = c;
        user = u;
    }
    void fire() { cb(user, arg * 2); }
};

TEST(FromCCallback, StartsOnFirstPollAndCompletesWithTheResult) {
    fake_c_api api;
    auto f = af::from_c_callback([&](af::c_callback cb, void* user) { api.start(21, cb, user); });
    EXPECT_EQ(api.cb, nullptr);  // lazy
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(f.poll(cx).is_pending());
    ASSERT_NE(api.cb, nullptr);
    api.fire();
    EXPECT_EQ(wc.count(), 1u);
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(*p, 42);
}

TEST(FromCCallback, CallbackInsideStartIsReadyAtOnce) {
    int r = af::block_on(af::from_c_callback([](af::c_callback cb, void* user) { cb(user, 7); }));
    EXPECT_EQ(r, 7);
}

TEST(FromCCallback, DropCallsTheCancelHookAndALateCallbackIsSafe) {
    fake_c_api api;
    int cancels = 0;
    {
        auto f = af::from_c_callback([&](af::c_callback cb, void* user) { api.start(1, cb, user); },
                                     [&] { ++cancels; });  // void: the callback will still come
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_EQ(cancels, 1);
    api.fire();  // the state outlived the future for this call (ASan checks it is then freed)
}

TEST(FromCCallback, CancelHookReturningTrueFreesTheStateWithoutACallback) {
    fake_c_api api;
    {
        auto f = af::from_c_callback([&](af::c_callback cb, void* user) { api.start(1, cb, user); },
                                     [&] { return api.cancelled = true; });
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_TRUE(api.cancelled);  // and no leak under ASan
}

TEST(FromCCallback, CallbackOnAnotherThreadRacingTheDrop) {
    for (int i = 0; i < 200; ++i) {
        fake_c_api api;
        std::atomic<int> cancels{0};
        auto f = std::make_unique<af::c_callback_future<std::function<void(af::c_callback, void*)>, std::function<void()>>>(
            [&](af::c_callback cb, void* user) { api.start(i, cb, user); }, [&] { cancels.fetch_add(1); });
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(f->poll(cx).is_pending());
        std::thread t([&] { api.fire(); });
        if (i % 2) std::this_thread::yield();
        f.reset();
        t.join();
        EXPECT_LE(cancels.load(), 1);
    }
}

TEST(FromCallback, StdFunctionShapeDeliversTheValue) {
    std::function<void(std::string)> saved;
    auto f = af::from_callback<std::string>([&](std::function<void(std::string)> done) { saved = std::move(done); });
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(f.poll(cx).is_pending());
    auto copy = saved;
    std::thread([copy] { copy("from a thread"); }).join();
    saved("ignored: the second call");
    auto p = f.poll(cx);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(*p, "from a thread");
}

TEST(FromCallback, EveryCopyDroppedUncalledThrowsClosed) {
    std::function<void()> saved;
    auto run = [&]() -> af::task<void> {
        auto f = af::from_callback<void>([&](std::function<void()> done) { saved = std::move(done); });
        af::test::wake_counter wc;
        co_await std::move(f);
    };
    auto t = run();
    af::test::wake_counter wc;
    af::context cx(wc.waker());
    EXPECT_TRUE(t.poll(cx).is_pending());
    saved = nullptr;  // the API forgot the callback
    EXPECT_EQ(wc.count(), 1u);
    EXPECT_THROW((void)t.poll(cx), af::closed_error);
}

TEST(FromCallback, DropRunsTheCancelHookOnce) {
    std::function<void(int)> saved;
    int cancels = 0;
    {
        auto f = af::from_callback<int>([&](std::function<void(int)> done) { saved = std::move(done); },
                                        [&] { ++cancels; });
        af::test::wake_counter wc;
        af::context cx(wc.waker());
        EXPECT_TRUE(f.poll(cx).is_pending());
    }
    EXPECT_EQ(cancels, 1);
    saved(3);  // late: ignored, the state is still alive
    saved = nullptr;
}

}  // namespace future_from_callback_test

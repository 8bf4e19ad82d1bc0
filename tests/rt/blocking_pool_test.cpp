// SPDX-License-Identifier: MIT
#include "af/rt/detail/blocking_pool.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "af/executor/block_on.hpp"
#include "af/test/drop_counter.hpp"

namespace rt_blocking_pool_test {

namespace {

using namespace std::chrono_literals;
using af::rt::detail::blocking_pool;
using af::rt::detail::runtime_context;
using af::rt::detail::thread_config;

// A door that jobs wait at until the test opens it.
class gate {
public:
    void open() {
        {
            std::lock_guard lk(m_);
            open_ = true;
        }
        cv_.notify_all();
    }
    void wait() {
        std::unique_lock lk(m_);
        cv_.wait(lk, [this] { return open_; });
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    bool open_ = false;
};

// Polls `pred` until it holds or 3 s pass (pool threads start and stop asynchronously).
template <class Pred>
bool eventually(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + 3s;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

}  // namespace

TEST(blocking_pool, starts_no_thread_until_a_job_arrives) {
    blocking_pool pool(2, 50ms, {}, {});
    EXPECT_EQ(pool.threads(), 0u);
    EXPECT_EQ(pool.in_flight(), 0u);
    EXPECT_EQ(af::block_on(pool.spawn([] { return 42; })), 42);
    EXPECT_EQ(pool.in_flight(), 0u);
}

TEST(blocking_pool, grows_to_the_cap_and_queues_the_rest) {
    blocking_pool pool(3, 5s, {}, {});
    gate g;
    std::mutex m;
    std::set<std::thread::id> ids;
    std::atomic<int> started{0};
    std::vector<af::join_handle<int>> hs;
    for (int i = 0; i < 5; ++i) {
        hs.push_back(pool.spawn([&, i] {
            {
                std::lock_guard lk(m);
                ids.insert(std::this_thread::get_id());
            }
            started.fetch_add(1);
            g.wait();
            return i;
        }));
    }
    ASSERT_TRUE(eventually([&] { return started.load() == 3; }));
    EXPECT_EQ(pool.threads(), 3u);
    EXPECT_EQ(pool.idle_threads(), 0u);
    EXPECT_EQ(pool.queued(), 2u);
    EXPECT_EQ(pool.in_flight(), 5u);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(started.load(), 3);  // the cap holds: the two others wait for a thread
    g.open();
    for (int i = 0; i < 5; ++i) EXPECT_EQ(af::block_on(std::move(hs[static_cast<std::size_t>(i)])), i);
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(pool.threads(), 3u);
    EXPECT_EQ(pool.in_flight(), 0u);
}

TEST(blocking_pool, reuses_an_idle_thread_instead_of_starting_one) {
    blocking_pool pool(4, 5s, {}, {});
    std::thread::id first = af::block_on(pool.spawn([] { return std::this_thread::get_id(); }));
    ASSERT_TRUE(eventually([&] { return pool.idle_threads() == 1; }));
    for (int i = 0; i < 3; ++i) {
        std::thread::id again = af::block_on(pool.spawn([] { return std::this_thread::get_id(); }));
        EXPECT_EQ(again, first);
        ASSERT_TRUE(eventually([&] { return pool.idle_threads() == 1; }));
    }
    EXPECT_EQ(pool.threads(), 1u);
}

TEST(blocking_pool, idle_threads_exit_after_keep_alive) {
    std::atomic<int> starts{0}, stops{0};
    thread_config cfg;
    cfg.on_start = [&] { starts.fetch_add(1); };
    cfg.on_stop = [&] { stops.fetch_add(1); };
    blocking_pool pool(2, 50ms, std::move(cfg), {});
    gate g;
    auto a = pool.spawn([&] { g.wait(); });
    auto b = pool.spawn([&] { g.wait(); });
    ASSERT_TRUE(eventually([&] { return pool.threads() == 2; }));
    g.open();
    af::block_on(std::move(a));
    af::block_on(std::move(b));
    ASSERT_TRUE(eventually([&] { return pool.threads() == 0; }));
    EXPECT_EQ(pool.idle_threads(), 0u);
    ASSERT_TRUE(eventually([&] { return stops.load() == 2; }));
    EXPECT_EQ(starts.load(), 2);
    // The pool starts threads again after shrinking.
    EXPECT_EQ(af::block_on(pool.spawn([] { return 7; })), 7);
    EXPECT_EQ(starts.load(), 3);
}

TEST(blocking_pool, names_its_threads_and_installs_the_context) {
    thread_config cfg;
    cfg.name = "af-blocking-worker-long-name";
    blocking_pool pool(1, 50ms, std::move(cfg), {});
    auto [name, ctx_pool] = af::block_on(pool.spawn([] {
        char buf[32] = {};
        pthread_getname_np(pthread_self(), buf, sizeof buf);
        return std::pair<std::string, blocking_pool*>(buf, af::rt::detail::current().blocking);
    }));
    EXPECT_EQ(name, "af-blocking-wor");  // 15 bytes: what Linux keeps
    EXPECT_EQ(ctx_pool, &pool);  // a null ctx.blocking becomes the pool itself
}

TEST(blocking_pool, a_job_can_spawn_another_job) {
    blocking_pool pool(1, 50ms, {}, {});
    auto h = pool.spawn([] {
        // The inner job queues behind us (the cap is one thread): return its handle to await.
        return af::rt::detail::current().blocking->spawn([] { return 5; });
    });
    af::join_handle<int> inner = af::block_on(std::move(h));
    EXPECT_EQ(af::block_on(std::move(inner)), 5);
}

TEST(blocking_pool, exceptions_reach_the_handle) {
    blocking_pool pool(1, 50ms, {}, {});
    auto h = pool.spawn([]() -> int { throw std::runtime_error("disk on fire"); });
    try {
        (void)af::block_on(std::move(h));
        FAIL() << "expected the job's exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "disk on fire");
    }
    EXPECT_EQ(pool.in_flight(), 0u);
}

namespace {
std::atomic<int> unhandled_seen{0};
void count_unhandled(std::exception_ptr) noexcept { unhandled_seen.fetch_add(1); }
}  // namespace

TEST(blocking_pool, exception_of_a_detached_job_goes_to_the_unhandled_hook) {
    auto old = af::executor::set_unhandled_exception_handler(&count_unhandled);
    blocking_pool pool(1, 50ms, {}, {});
    gate g;
    auto h = pool.spawn([&] {
        g.wait();
        throw std::runtime_error("nobody listens");
    });
    h.detach();
    g.open();
    EXPECT_TRUE(eventually([] { return unhandled_seen.load() == 1; }));
    af::executor::set_unhandled_exception_handler(old);
}

TEST(blocking_pool, abort_before_start_cancels_the_job) {
    blocking_pool pool(1, 50ms, {}, {});
    gate g;
    af::test::drop_counter drops;
    std::atomic<bool> ran{false};
    auto first = pool.spawn([&] { g.wait(); });
    auto second = pool.spawn([&, d = drops.make()] { ran = true; });
    EXPECT_EQ(pool.in_flight(), 2u);
    second.abort();
    g.open();
    af::block_on(std::move(first));
    EXPECT_THROW(af::block_on(std::move(second)), af::cancelled_error);
    EXPECT_FALSE(ran.load());
    EXPECT_EQ(drops.count(), 1);  // the function and its captures were destroyed
    EXPECT_EQ(pool.in_flight(), 0u);
}

TEST(blocking_pool, abort_of_a_running_job_lets_it_finish) {
    blocking_pool pool(1, 50ms, {}, {});
    gate g;
    std::atomic<bool> started{false};
    auto h = pool.spawn([&] {
        started = true;
        g.wait();
        return 3;
    });
    ASSERT_TRUE(eventually([&] { return started.load(); }));
    h.abort();
    g.open();
    EXPECT_EQ(af::block_on(std::move(h)), 3);
}

TEST(blocking_pool, shutdown_cancels_queued_jobs_and_waits_for_running_ones) {
    blocking_pool pool(1, 5s, {}, {});
    gate g;
    std::atomic<bool> started{false};
    af::test::drop_counter drops;
    auto running = pool.spawn([&] {
        started = true;
        g.wait();
        return 1;
    });
    auto queued = pool.spawn([d = drops.make()] { return 2; });
    ASSERT_TRUE(eventually([&] { return started.load(); }));
    std::thread opener([&] {
        std::this_thread::sleep_for(30ms);
        g.open();
    });
    auto t0 = std::chrono::steady_clock::now();
    pool.shutdown(blocking_pool::no_timeout);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);  // it waited for the running job
    opener.join();
    EXPECT_TRUE(running.is_finished());
    EXPECT_EQ(af::block_on(std::move(running)), 1);
    EXPECT_THROW(af::block_on(std::move(queued)), af::cancelled_error);
    EXPECT_EQ(drops.count(), 1);
    EXPECT_EQ(pool.threads(), 0u);
    EXPECT_EQ(pool.in_flight(), 0u);
}

TEST(blocking_pool, spawn_after_shutdown_gives_a_cancelled_handle) {
    blocking_pool pool(2, 50ms, {}, {});
    pool.shutdown(blocking_pool::no_timeout);
    std::atomic<bool> ran{false};
    auto h = pool.spawn([&] { ran = true; });
    EXPECT_TRUE(h.is_finished());
    EXPECT_THROW(af::block_on(std::move(h)), af::cancelled_error);
    EXPECT_FALSE(ran.load());
    EXPECT_EQ(pool.threads(), 0u);
    EXPECT_EQ(pool.in_flight(), 0u);
}

TEST(blocking_pool, shutdown_timeout_detaches_a_stuck_thread) {
    // Shared with the job: the test's stack frame must outlive nothing the job touches.
    struct shared {
        gate g;
        std::atomic<bool> started{false};
        std::atomic<bool> stopped{false};
    };
    auto s = std::make_shared<shared>();
    thread_config cfg;
    cfg.on_stop = [s] { s->stopped = true; };
    af::join_handle<int> h;
    {
        blocking_pool pool(1, 5s, std::move(cfg), {});
        h = pool.spawn([s] {
            s->started = true;
            s->g.wait();
            return 9;
        });
        ASSERT_TRUE(eventually([&] { return s->started.load(); }));
        auto t0 = std::chrono::steady_clock::now();
        pool.shutdown(40ms);
        auto waited = std::chrono::steady_clock::now() - t0;
        EXPECT_GE(waited, 35ms);
        EXPECT_LT(waited, 2s);
        EXPECT_FALSE(h.is_finished());
        t0 = std::chrono::steady_clock::now();
    }  // the destructor does not wait for the detached thread either
    s->g.open();
    EXPECT_EQ(af::block_on(std::move(h)), 9);  // the detached job still delivers its result
    ASSERT_TRUE(eventually([&] { return s->stopped.load(); }));
    std::this_thread::sleep_for(20ms);  // let the thread drop its last reference before the leak check
}

TEST(blocking_pool, many_threads_spawn_concurrently) {
    constexpr int spawners = 4, per = 100;
    blocking_pool pool(3, 50ms, {}, {});
    std::atomic<int> sum{0}, running{0}, max_running{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < spawners; ++t) {
        ts.emplace_back([&] {
            std::vector<af::join_handle<void>> hs;
            for (int i = 0; i < per; ++i) {
                hs.push_back(pool.spawn([&] {
                    int now = running.fetch_add(1) + 1;
                    int m = max_running.load();
                    while (now > m && !max_running.compare_exchange_weak(m, now)) {
                    }
                    sum.fetch_add(1);
                    running.fetch_sub(1);
                }));
            }
            for (auto& h : hs) af::block_on(std::move(h));
        });
    }
    for (auto& t : ts) t.join();
    EXPECT_EQ(sum.load(), spawners * per);
    EXPECT_LE(max_running.load(), 3);
    EXPECT_LE(pool.threads(), 3u);
    EXPECT_EQ(pool.in_flight(), 0u);
}

TEST(blocking_pool, in_flight_drops_before_the_handle_is_woken) {
    blocking_pool pool(2, 50ms, {}, {});
    for (int i = 0; i < 50; ++i) {
        af::block_on(pool.spawn([] {}));
        EXPECT_EQ(pool.in_flight(), 0u);  // no wait: the job's count went before its wake
    }
}

TEST(blocking_pool, rejects_a_cap_of_zero) {
    EXPECT_THROW(blocking_pool(0, 50ms, {}, {}), std::invalid_argument);
}

}  // namespace rt_blocking_pool_test

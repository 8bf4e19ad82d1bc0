// SPDX-License-Identifier: MIT
#include "af/rt/detail/reactor.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>

#include "af/core/task.hpp"
#include "af/future/poll_fn.hpp"
#include "af/rt/detail/context.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn.hpp"

namespace rt_reactor_test {

namespace {

using af::rt::detail::io_source;

struct pipe_pair {
    io_source* r;
    io_source* w;
};

pipe_pair open_pipe() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    auto& re = af::rt::detail::require_reactor("test");
    return {re.open(fds[0]), re.open(fds[1])};
}

af::task<long> read_some(io_source* s, char* buf, std::size_t n) {
    co_return co_await af::poll_fn([&](af::context& cx) { return s->poll_read(cx, buf, n); });
}

af::task<long> write_some(io_source* s, const char* buf, std::size_t n) {
    co_return co_await af::poll_fn([&](af::context& cx) { return s->poll_write(cx, buf, n); });
}

// Parameter: flavor (0 current_thread, 1 multi_thread, 2 thread_per_core) and backend.
class reactor_flavors : public ::testing::TestWithParam<std::tuple<int, af::rt::io_backend>> {
protected:
    void SetUp() override {
        if (std::get<1>(GetParam()) != af::rt::io_backend::io_uring) return;
        try {
            (void)af::rt::builder().current_thread().enable_io().io_backend(af::rt::io_backend::io_uring).build();
        } catch (const std::system_error& e) {
            GTEST_SKIP() << "io_uring refused here: " << e.what();
        }
    }
    af::rt::runtime make() {
        af::rt::builder b;
        int flavor = std::get<0>(GetParam());
        if (flavor == 0) b.current_thread();
        if (flavor == 1) b.multi_thread().worker_threads(2);
        if (flavor == 2) b.thread_per_core().worker_threads(2);
        return b.enable_all().io_backend(std::get<1>(GetParam())).build();
    }
};

TEST_P(reactor_flavors, a_reader_waits_for_a_writer_in_another_task) {
    af::rt::runtime rt = make();
    std::string got = rt.block_on([]() -> af::task<std::string> {
        pipe_pair p = open_pipe();
        auto reader = af::rt::spawn([p]() -> af::task<std::string> {
            std::string all;
            char buf[64];
            for (;;) {
                long n = co_await read_some(p.r, buf, sizeof buf);
                if (n <= 0) break;
                all.append(buf, static_cast<std::size_t>(n));
            }
            p.r->close();
            co_return all;
        });
        for (int i = 0; i < 100; ++i) {
            std::string line = "line " + std::to_string(i) + "\n";
            long n = co_await write_some(p.w, line.data(), line.size());
            EXPECT_EQ(n, static_cast<long>(line.size()));
            if (i % 10 == 0) co_await af::rt::yield_now();
        }
        p.w->close();  // the reader sees end of file
        co_return co_await std::move(reader);
    });
    std::string want;
    for (int i = 0; i < 100; ++i) want += "line " + std::to_string(i) + "\n";
    EXPECT_EQ(got, want);
}

TEST_P(reactor_flavors, a_write_to_a_full_pipe_waits_until_the_reader_drains_it) {
    af::rt::runtime rt = make();
    long total = rt.block_on([]() -> af::task<long> {
        pipe_pair p = open_pipe();
        std::string chunk(65536, 'x');
        auto writer = af::rt::spawn([p, chunk]() -> af::task<long> {
            long sent = 0;
            while (sent < 1 << 20) {
                std::size_t want = std::min<std::size_t>(chunk.size(), static_cast<std::size_t>((1 << 20) - sent));
                long n = co_await write_some(p.w, chunk.data(), want);
                if (n < 0) co_return n;
                sent += n;
            }
            p.w->close();
            co_return sent;
        });
        long got = 0;
        char buf[8192];
        for (;;) {
            long n = co_await read_some(p.r, buf, sizeof buf);
            if (n <= 0) break;
            got += n;
        }
        p.r->close();
        EXPECT_EQ(co_await std::move(writer), got);
        co_return got;
    });
    EXPECT_EQ(total, 1L << 20);
}

TEST_P(reactor_flavors, dropping_a_pending_read_loses_nothing) {
    af::rt::runtime rt = make();
    std::string got = rt.block_on([]() -> af::task<std::string> {
        pipe_pair p = open_pipe();
        char buf[16];
        {
            // Poll a read once (nothing to read yet) and drop it.
            auto pending_read = read_some(p.r, buf, sizeof buf);
            af::waker w = af::waker::noop();
            af::context cx(w);
            EXPECT_TRUE(pending_read.poll(cx).is_pending());
        }
        co_await write_some(p.w, "hello", 5);
        long n = co_await read_some(p.r, buf, sizeof buf);
        p.r->close();
        p.w->close();
        co_return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    });
    EXPECT_EQ(got, "hello");
}

TEST_P(reactor_flavors, a_source_tail_holds_caller_state_until_close_even_after_the_runtime_is_gone) {
    struct state {
        std::atomic<int> refs{1};
        std::string name;
    };
    static_assert(alignof(state) <= alignof(std::max_align_t));
    io_source* kept = nullptr;
    {
        af::rt::runtime rt = make();
        kept = rt.block_on([]() -> af::task<io_source*> {
            int fds[2];
            EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
            auto& re = af::rt::detail::require_reactor("test");
            io_source* r = re.open(fds[0], sizeof(state));
            io_source* w = re.open(fds[1], 3);
            void* t = r->tail();
            EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t) % alignof(std::max_align_t), 0u);
            // The tail is past the source: writing all of it must not disturb the source.
            auto* st = new (t) state;
            st->name = std::string(100, 'n');  // owns heap memory: freed by our destructor call
            std::memset(w->tail(), 0x5a, 3);
            co_await write_some(w, "tail", 4);
            char buf[8];
            long n = co_await read_some(r, buf, sizeof buf);
            EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "tail");
            EXPECT_EQ(st->name.size(), 100u);
            w->close();
            co_return r;
        });
    }
    static_cast<state*>(kept->tail())->~state();  // the caller's part, then the reactor's
    kept->close();  // the runtime is gone: no leak and no use after free under ASan
}

std::string flavor_name(const ::testing::TestParamInfo<std::tuple<int, af::rt::io_backend>>& info) {
    const char* flavors[] = {"current_thread", "multi_thread", "thread_per_core"};
    std::string b = std::get<1>(info.param) == af::rt::io_backend::epoll ? "epoll" : "io_uring";
    return b + "_" + flavors[std::get<0>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(flavors, reactor_flavors,
                         ::testing::Combine(::testing::Values(0, 1, 2),
                                            ::testing::Values(af::rt::io_backend::epoll, af::rt::io_backend::io_uring)),
                         flavor_name);

TEST(reactor, io_without_enable_io_is_a_clear_error) {
    af::rt::runtime rt = af::rt::builder().current_thread().build();
    rt.block_on([]() -> af::task<void> {
        EXPECT_THROW(af::rt::detail::require_reactor("af::net::tcp_stream::connect"), std::logic_error);
        co_return;
    });
    EXPECT_THROW(af::rt::detail::require_reactor("x"), std::logic_error);
}

TEST(reactor, a_source_closed_after_its_runtime_is_gone_is_harmless) {
    io_source* keep = nullptr;
    {
        af::rt::runtime rt = af::rt::builder().current_thread().enable_io().build();
        keep = rt.block_on([]() -> af::task<io_source*> {
            pipe_pair p = open_pipe();
            p.w->close();
            co_return p.r;
        });
    }
    keep->close();  // the reactor is kept alive by the source's reference; no leak under ASan
}

}  // namespace

}  // namespace rt_reactor_test

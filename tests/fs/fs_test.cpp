// SPDX-License-Identifier: MIT
#include "af/fs.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>

#include "af/core/task.hpp"
#include "af/executor/block_on.hpp"
#include "af/future/poll_fn.hpp"
#include "af/io/read.hpp"
#include "af/io/read_exact.hpp"
#include "af/io/read_to_end.hpp"
#include "af/io/write_all.hpp"
#include "af/rt/runtime.hpp"
#include "af/rt/spawn_blocking.hpp"
#include "af/test/wake_counter.hpp"

namespace fs_fs_test {

namespace {

using backend = af::rt::io_backend;

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
std::string text_of(const std::vector<std::byte>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size()); }

// A fresh directory per test, removed afterwards.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "af_fs_XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

class fs_rt : public ::testing::TestWithParam<std::tuple<backend, bool>> {
protected:
    void SetUp() override {
        af::rt::builder b;
        if (std::get<1>(GetParam())) b.multi_thread().worker_threads(2);
        else b.current_thread();
        try {
            // One blocking thread: a test can hold it to keep a file operation queued.
            rt_.emplace(b.enable_all().max_blocking_threads(1).io_backend(std::get<0>(GetParam())).build());
        } catch (const std::system_error& e) {
            GTEST_SKIP() << "backend unavailable: " << e.what();
        }
    }
    std::optional<af::rt::runtime> rt_;
    temp_dir dir_;
};

TEST_P(fs_rt, write_then_read_round_trips_bytes_and_text) {
    auto p = dir_.path / "a.txt";
    std::string got = rt_->block_on([p]() -> af::task<std::string> {
        co_await af::fs::write(p, "hello\nworld\n");
        std::vector<std::byte> raw = co_await af::fs::read(p);
        EXPECT_EQ(text_of(raw), "hello\nworld\n");
        co_return co_await af::fs::read_to_string(p);
    });
    EXPECT_EQ(got, "hello\nworld\n");
}

// A NUL byte would cut the path short at the system call ("a.txt\0.png" would write a.txt).
TEST_P(fs_rt, a_path_with_a_nul_byte_is_refused_and_nothing_is_touched) {
    using namespace std::string_literals;
    const std::filesystem::path bad = (dir_.path / "a.txt").string() + "\0.png"s;
    rt_->block_on([bad]() -> af::task<void> {
        EXPECT_THROW(co_await af::fs::write(bad, "x"), std::invalid_argument);
        EXPECT_THROW(co_await af::fs::read(bad), std::invalid_argument);
        EXPECT_THROW(co_await af::fs::create_dir_all(bad), std::invalid_argument);
        EXPECT_THROW(co_await af::fs::metadata(bad), std::invalid_argument);
        EXPECT_THROW(co_await af::fs::file::create(bad), std::invalid_argument);
    });
    EXPECT_FALSE(std::filesystem::exists(dir_.path / "a.txt"));
}

TEST_P(fs_rt, a_file_streams_through_the_io_helpers_and_seeks) {
    auto p = dir_.path / "b.bin";
    std::string big(300000, 'x');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    rt_->block_on([p, big]() -> af::task<void> {
        {
            af::fs::file f = co_await af::fs::file::create(p);
            co_await af::io::write_all(f, bytes_of(big));
            co_await f.sync_all();
            af::fs::file_metadata m = co_await f.metadata();
            EXPECT_EQ(m.size, big.size());
            EXPECT_TRUE(m.is_file());
        }
        af::fs::file f = co_await af::fs::file::open(p);
        std::vector<std::byte> all;
        co_await af::io::read_to_end(f, all);
        EXPECT_EQ(text_of(all), big);
        EXPECT_EQ(co_await f.seek(26 * 3 + 2, af::io::seek_from::start), 26u * 3 + 2);
        std::byte b[4];
        std::size_t n = co_await af::io::read(f, std::span(b));
        EXPECT_EQ(n, 4u);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(b), 4), "cdef");
        EXPECT_EQ(co_await f.seek(-1, af::io::seek_from::end), big.size() - 1);
        EXPECT_EQ(co_await f.seek(0, af::io::seek_from::current), big.size() - 1);
    });
}

TEST_P(fs_rt, set_len_truncates_and_metadata_follows) {
    auto p = dir_.path / "c.bin";
    rt_->block_on([p]() -> af::task<void> {
        af::fs::file f = co_await af::fs::open_options().read(true).write(true).create(true).open(p);
        co_await af::io::write_all(f, bytes_of("0123456789"));
        co_await f.set_len(4);
        af::fs::file_metadata m = co_await af::fs::metadata(p);
        EXPECT_EQ(m.size, 4u);
        EXPECT_GT(m.modified.time_since_epoch().count(), 0);
        EXPECT_EQ(co_await af::fs::read_to_string(p), "0123");
    });
}

TEST_P(fs_rt, directories_are_created_listed_renamed_and_removed) {
    auto root = dir_.path;
    rt_->block_on([root]() -> af::task<void> {
        co_await af::fs::create_dir_all(root / "x" / "y" / "z");
        co_await af::fs::create_dir_all(root / "x" / "y");  // existing: fine
        co_await af::fs::write(root / "x" / "f1", "1");
        co_await af::fs::write(root / "x" / "f2", "2");
        std::vector<af::fs::dir_entry> es = co_await af::fs::read_dir(root / "x");
        std::sort(es.begin(), es.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
        EXPECT_EQ(es.size(), 3u);
        if (es.size() == 3) {
            EXPECT_EQ(es[0].name, "f1");
            EXPECT_EQ(es[0].kind, af::fs::file_type::regular);
            EXPECT_EQ(es[0].path, root / "x" / "f1");
            EXPECT_EQ(es[2].name, "y");
            EXPECT_EQ(es[2].kind, af::fs::file_type::directory);
        }
        co_await af::fs::rename(root / "x" / "f1", root / "x" / "g1");
        EXPECT_FALSE(co_await af::fs::exists(root / "x" / "f1"));
        EXPECT_TRUE(co_await af::fs::exists(root / "x" / "g1"));
        co_await af::fs::remove_file(root / "x" / "g1");
        co_await af::fs::remove_dir(root / "x" / "y" / "z");
        EXPECT_FALSE(co_await af::fs::exists(root / "x" / "y" / "z"));
        EXPECT_TRUE((co_await af::fs::metadata(root / "x" / "y")).is_dir());
    });
}

std::string error_of(af::rt::runtime& rt, af::task<void> (*f)(std::filesystem::path), std::filesystem::path p) {
    return rt.block_on([f, p]() -> af::task<std::string> {
        try {
            co_await f(p);
        } catch (const std::system_error& e) {
            co_return std::string(e.what()) + "|" + std::to_string(e.code().value());
        }
        co_return "no error";
    });
}

TEST_P(fs_rt, errors_name_the_operation_and_the_path) {
    auto missing = dir_.path / "nope" / "x";
    std::string want = missing.string() + ": No such file or directory|" + std::to_string(ENOENT);
    EXPECT_EQ(error_of(*rt_, [](std::filesystem::path p) -> af::task<void> { co_await af::fs::file::open(p); }, missing),
              "open " + want);
    EXPECT_EQ(error_of(*rt_, [](std::filesystem::path p) -> af::task<void> { co_await af::fs::read(p); }, missing),
              "open " + want);
    EXPECT_EQ(error_of(*rt_, [](std::filesystem::path p) -> af::task<void> { co_await af::fs::remove_file(p); }, missing),
              "remove_file " + want);
    EXPECT_EQ(error_of(*rt_, [](std::filesystem::path p) -> af::task<void> { co_await af::fs::metadata(p); }, missing),
              "metadata " + want);
    EXPECT_EQ(error_of(*rt_, [](std::filesystem::path p) -> af::task<void> { co_await af::fs::read_dir(p); }, missing),
              "read_dir " + want);
    EXPECT_THROW(rt_->block_on([](std::filesystem::path p) -> af::task<void> {
                     co_await af::fs::open_options().create_new(true).write(true).open(p);
                 }(dir_.path)),
                 std::system_error);  // a directory exists there: EEXIST
}

TEST_P(fs_rt, a_dropped_read_hands_its_bytes_to_the_next_read) {
    auto p = dir_.path / "d.txt";
    std::string got = rt_->block_on([p]() -> af::task<std::string> {
        co_await af::fs::write(p, "abcdefgh");
        af::fs::file f = co_await af::fs::file::open(p);
        std::atomic<bool> open_gate{false};
        auto gate = af::rt::spawn_blocking([&open_gate] {
            while (!open_gate.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
        {
            // Start a read (queued behind the gate on the only pool thread) into a buffer that
            // dies before the pool thread gets to it.
            std::vector<std::byte> doomed(8);
            af::test::wake_counter wc;
            af::waker w = wc.waker();
            af::context cx(w);
            af::poll<std::size_t> r = f.poll_read(cx, std::span(doomed));
            EXPECT_TRUE(r.is_pending());
        }
        open_gate.store(true);
        co_await std::move(gate);
        std::byte buf[3];
        co_await af::io::read_exact(f, std::span(buf));  // waits for the dropped read, takes 3 of its bytes
        std::string out(reinterpret_cast<const char*>(buf), 3);
        EXPECT_EQ(co_await f.seek(0, af::io::seek_from::current), 3u);  // read-ahead is not counted
        std::vector<std::byte> rest;
        co_await af::io::read_to_end(f, rest);
        co_return out + "|" + text_of(rest);
    });
    EXPECT_EQ(got, "abc|defgh");
}

TEST_P(fs_rt, a_write_error_surfaces_at_the_next_operation) {
    // Writing to a file opened read-only fails with EBADF in the pool; poll_write already
    // accepted the bytes, so the flush reports it.
    auto p = dir_.path / "e.txt";
    std::string what = rt_->block_on([p]() -> af::task<std::string> {
        co_await af::fs::write(p, "x");
        af::fs::file f = co_await af::fs::file::open(p);
        co_await af::io::write_all(f, bytes_of("yyy"));
        try {
            auto flush = af::poll_fn([&](af::context& cx) { return f.poll_flush(cx); });
            co_await std::move(flush);
        } catch (const std::system_error& e) {
            co_return e.what();
        }
        co_return "no error";
    });
    EXPECT_EQ(what, "write " + p.string() + ": Bad file descriptor");
}

static_assert(af::io::async_read<af::fs::file> && af::io::async_write<af::fs::file> && af::io::async_seek<af::fs::file>);

INSTANTIATE_TEST_SUITE_P(backends, fs_rt,
                         ::testing::Combine(::testing::Values(backend::epoll, backend::io_uring), ::testing::Bool()),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param) == backend::epoll ? "epoll" : "io_uring") +
                                    (std::get<1>(info.param) ? "_multi_thread" : "_current_thread");
                         });

TEST(fs, outside_a_runtime_is_a_clear_error) {
    EXPECT_THROW(af::block_on(af::fs::read("/etc/hostname")), std::logic_error);
}

}  // namespace

}  // namespace fs_fs_test

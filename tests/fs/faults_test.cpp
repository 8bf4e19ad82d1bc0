// SPDX-License-Identifier: MIT
// af::fs::file under injected faults (design note 0027): reads and writes on the blocking pool
// see short transfers and EINTR; a megabyte written in random pieces and read back in random
// pieces comes out byte for byte. AF_FAULT_SEED=<seed> replays a failing schedule.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "af/core/task.hpp"
#include "af/fs.hpp"
#include "af/io/read.hpp"
#include "af/io/write_all.hpp"
#include "af/rt/runtime.hpp"
#include "af/test/fault_injection.hpp"

namespace fs_faults_test {

namespace {

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "af_fs_faults_XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

class fs_faults : public ::testing::TestWithParam<bool> {};

TEST_P(fs_faults, file_round_trip_through_short_io_and_eintr_is_exact) {
    af::rt::builder b;
    if (GetParam()) {
        b.multi_thread().worker_threads(2);
    } else {
        b.current_thread();
    }
    af::rt::runtime rt = b.enable_all().build();
    temp_dir dir;
    af::test::fault_plan plan;
    plan.seed = af::test::fault_seed();
    plan.short_io = 0.6;
    plan.interrupted = 0.3;
    SCOPED_TRACE("replay with AF_FAULT_SEED=" + std::to_string(plan.seed));
    std::mt19937_64 rng(plan.seed);
    std::vector<std::byte> data(1 << 20);
    for (auto& x : data) x = static_cast<std::byte>(rng());
    af::test::fault_injection faults(plan);
    std::vector<std::byte> back = rt.block_on([&]() -> af::task<std::vector<std::byte>> {
        auto path = dir.path / "data";
        {
            af::fs::file f = co_await af::fs::file::create(path);
            for (std::size_t off = 0; off < data.size();) {
                std::size_t n = std::min<std::size_t>(data.size() - off, 1 + rng() % 100000);
                co_await af::io::write_all(f, std::span<const std::byte>(data.data() + off, n));
                off += n;
            }
            co_await f.sync_all();
        }
        af::fs::file f = co_await af::fs::file::open(path);
        std::vector<std::byte> out;
        std::vector<std::byte> buf(70000);
        for (;;) {
            std::size_t want = 1 + rng() % buf.size();
            std::size_t n = co_await af::io::read(f, std::span<std::byte>(buf.data(), want));
            if (n == 0) break;
            out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        }
        co_return out;
    }());
    ASSERT_EQ(back.size(), data.size());
    EXPECT_TRUE(back == data);
    af::test::fault_counts c = faults.counts();
    EXPECT_GT(c.short_io, 0u);
    EXPECT_GT(c.interrupted, 0u);
}

INSTANTIATE_TEST_SUITE_P(flavors, fs_faults, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "multi_thread" : "current_thread"; });

}  // namespace

}  // namespace fs_faults_test

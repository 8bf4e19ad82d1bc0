// SPDX-License-Identifier: MIT
// af::fs: whole-file helpers, a file streamed through the af::io helpers, a seek, metadata,
// a directory listing and an error that names its path.
#include <af/core/task.hpp>
#include <af/fs.hpp>
#include <af/io/read_exact.hpp>
#include <af/io/write_all.hpp>
#include <af/rt/runtime.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

af::task<void> demo(std::filesystem::path dir) {
    co_await af::fs::create_dir_all(dir / "logs");
    co_await af::fs::write(dir / "greeting.txt", "hello, files\n");
    std::string text = co_await af::fs::read_to_string(dir / "greeting.txt");
    std::printf("read back: %s", text.c_str());

    // A file satisfies af::io::async_read/async_write/async_seek.
    af::fs::file log = co_await af::fs::file::create(dir / "logs" / "app.log");
    for (int i = 0; i < 3; ++i) {
        std::string line = "entry " + std::to_string(i) + "\n";
        co_await af::io::write_all(log, std::as_bytes(std::span(line.data(), line.size())));
    }
    co_await log.sync_all();  // data on disk, not just in the kernel
    af::fs::file_metadata m = co_await log.metadata();
    std::printf("app.log: %llu bytes, regular file: %s\n", static_cast<unsigned long long>(m.size),
                m.is_file() ? "yes" : "no");

    af::fs::file in = co_await af::fs::file::open(dir / "logs" / "app.log");
    co_await in.seek(8, af::io::seek_from::start);  // the second line
    std::byte line[8];
    co_await af::io::read_exact(in, std::span(line));
    std::printf("second line: %.7s\n", reinterpret_cast<const char*>(line));

    std::vector<af::fs::dir_entry> entries = co_await af::fs::read_dir(dir);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (const af::fs::dir_entry& e : entries)
        std::printf("entry: %s%s\n", e.name.c_str(), e.kind == af::fs::file_type::directory ? "/" : "");

    try {
        co_await af::fs::read(dir / "missing.txt");
    } catch (const std::system_error& e) {
        // what() is "open <path>: No such file or directory"; print it without the temp path.
        std::printf("error: %s (errno %d)\n", e.code().message().c_str(), e.code().value());
    }
    co_await af::fs::remove_dir_all(dir);
    std::printf("cleaned up: %s\n", (co_await af::fs::exists(dir)) ? "no" : "yes");
}

int main() {
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("af_files_sample_" + std::to_string(::getpid()));
    af::rt::runtime rt = af::rt::builder().current_thread().enable_all().build();
    rt.block_on(demo(dir));
}

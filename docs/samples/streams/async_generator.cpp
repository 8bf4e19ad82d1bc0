// SPDX-License-Identifier: MIT
// af::async_generator: co_await and co_yield in one body; read it with co_await af::next(s).
#include <af/af.hpp>
#include <af/stream.hpp>

#include <cassert>
#include <optional>
#include <string>
#include <vector>

// Stands in for a slow lookup: it is pending once before it answers.
af::task<std::string> fetch_page(int n) {
    co_await af::yield_now();
    co_return "page " + std::to_string(n);
}

// Produces pages until there are none left; each one is awaited before it is yielded.
af::async_generator<std::string> pages(int count) {
    for (int n = 1; n <= count; ++n) {
        std::string body = co_await fetch_page(n);  // any af::future, exactly as in a task
        co_yield std::move(body);
    }
}

af::task<std::vector<std::string>> read_all() {
    std::vector<std::string> out;
    auto s = pages(3);
    while (std::optional<std::string> page = co_await af::next(s)) out.push_back(std::move(*page));
    co_return out;
}

int main() {
    auto got = af::block_on(read_all());
    assert((got == std::vector<std::string>{"page 1", "page 2", "page 3"}));

    // Destroying a generator mid-stream cancels it: the frame and the awaited task are destroyed.
    auto s = pages(100);
    auto first = af::block_on(af::next(s));
    assert(first == "page 1");
}   // `s` is destroyed here, 99 pages never fetched

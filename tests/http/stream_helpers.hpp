// SPDX-License-Identifier: MIT
#pragma once
// What the server tests do with the client end of a connection: a paused runtime, write a
// string, read to the end of stream, read until a suffix arrived.
#include <span>
#include <string>
#include <string_view>

#include "af/core/task.hpp"
#include "af/io/read.hpp"
#include "af/io/write_all.hpp"
#include "af/rt/runtime.hpp"

namespace http_test {

/// A current-thread runtime with every driver and the clock paused (timeouts advance at once
/// when nothing else can run).
inline af::rt::runtime paused_runtime() {
    return af::rt::builder().current_thread().enable_all().start_paused().build();
}

template <class S>
af::task<void> write_str(S& s, std::string_view text) {
    auto w = af::io::write_all(s, std::as_bytes(std::span(text.data(), text.size())));
    co_await std::move(w);
}

template <class S>
af::task<std::string> read_to_eof(S& s) {
    std::string out;
    char buf[4096];
    for (;;) {
        auto r = af::io::read(s, std::as_writable_bytes(std::span(buf)));
        std::size_t n = co_await std::move(r);
        if (n == 0) break;
        out.append(buf, n);
    }
    co_return out;
}

/// Reads byte by byte until `out` ends with `suffix` (or the end of stream), so nothing past
/// the suffix is consumed.
template <class S>
af::task<void> read_until(S& s, std::string& out, std::string_view suffix) {
    char buf[1];
    while (!std::string_view(out).ends_with(suffix)) {
        auto r = af::io::read(s, std::as_writable_bytes(std::span(buf)));
        std::size_t n = co_await std::move(r);
        if (n == 0) break;
        out.append(buf, n);
    }
}

}  // namespace http_test

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::io::lines(r)`: the lines of buffered reader `r` as an `af::stream` of `std::string`.
///
///     auto ls = af::io::lines(af::io::buf_reader(std::move(conn)));
///     while (auto line = co_await af::next(ls)) handle(*line);
///
/// A line ends at "\n"; the "\n" and a "\r" just before it are removed. The last line is
/// yielded even without a final newline; an input ending in "\n" yields no extra empty line.
/// There is no length limit (a peer that never sends "\n" grows the line without bound): for
/// untrusted input use `af::io::framed` with a `lines_codec`, which has one. Pass an lvalue to
/// borrow the reader (`lines(br)`), an rvalue to own it.
///
/// Pending and waking as `r`. Cancellation: dropping a pending `af::next` loses nothing (a
/// partial line stays in the stream). Errors from `r` propagate out of `poll_next`. Thread
/// safety: as `r`.
#include <algorithm>    // std::find
#include <cstddef>      // std::byte
#include <optional>     // items
#include <string>       // a line
#include <type_traits>  // std::remove_reference_t
#include <utility>      // std::forward

#include "af/io/async_buf_read.hpp"
#include "af/stream/stream.hpp"

namespace af::io {

/// The stream made by `af::io::lines`.
template <class R>
    requires async_buf_read<std::remove_reference_t<R>>
class [[nodiscard("a stream does nothing until it is polled")]] lines_stream {
public:
    using item = std::string;
    explicit lines_stream(R&& r) : r_(std::forward<R>(r)) {}

    af::poll<std::optional<std::string>> poll_next(context& cx) {
        if (done_) return af::detail::stream_end<std::string>();
        for (;;) {
            auto p = r_.poll_fill_buf(cx);
            if (p.is_pending()) return pending;
            auto buf = *p;
            if (buf.empty()) {
                done_ = true;
                if (!partial_) return af::detail::stream_end<std::string>();
                return take_line();
            }
            auto nl = std::find(buf.begin(), buf.end(), std::byte{'\n'});
            bool found = nl != buf.end();
            auto used = static_cast<std::size_t>(nl - buf.begin()) + (found ? 1 : 0);
            line_.append(reinterpret_cast<const char*>(buf.data()), found ? used - 1 : used);
            partial_ = true;
            r_.consume(used);
            if (found) {
                if (!line_.empty() && line_.back() == '\r') line_.pop_back();
                return take_line();
            }
        }
    }

private:
    af::poll<std::optional<std::string>> take_line() {
        partial_ = false;
        std::string out = std::move(line_);
        line_.clear();  // a moved-from string is only "valid"; make it empty for the next line
        return af::poll<std::optional<std::string>>(std::in_place, std::in_place, std::move(out));
    }

    R r_;
    std::string line_;
    bool partial_ = false;  // bytes of an unfinished line were read (line_ may still be empty)
    bool done_ = false;
};

template <class R>
    requires async_buf_read<std::remove_reference_t<R>>
lines_stream<R> lines(R&& r) {
    return lines_stream<R>(std::forward<R>(r));
}

}  // namespace af::io

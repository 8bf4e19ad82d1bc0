// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::flatten()`: for a stream of streams, every item of each inner stream in
/// turn.
///
///     auto all_lines = std::move(files) | af::streams::map(read_lines) | af::streams::flatten();
///
/// One inner stream runs at a time: the outer stream is polled only when the current inner one
/// ended. To interleave two streams, use `af::streams::merge`.
///
/// Fused if the outer stream is. Cancellation: destroying it destroys the outer stream and the
/// current inner one. Errors: from either. Thread safety: as the streams.
#include <optional>  // the current inner stream
#include <utility>   // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The stream made by `af::streams::flatten`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] flatten_stream {
    using inner = item_of<S>;
    static_assert(stream<inner>, "af::streams::flatten: the items must themselves be af::stream");

public:
    using item = item_of<inner>;

    explicit flatten_stream(S s) : outer_(std::move(s)) {}

    af::poll<std::optional<item>> poll_next(context& cx) {
        for (;;) {
            if (current_) {
                auto p = current_->poll_next(cx);
                if (p.is_pending() || p.value()) return p;
                current_.reset();
            }
            auto next = outer_.poll_next(cx);
            if (next.is_pending()) return pending;
            if (!next.value()) return detail::stream_end<item>();
            current_.emplace(std::move(*next.value()));  // moved in before its first poll
        }
    }

private:
    S outer_;
    std::optional<inner> current_;
};

inline auto flatten() {
    return detail::make_stream_adaptor([]<stream S>(S s) { return flatten_stream<S>(std::move(s)); });
}

}  // namespace af::streams

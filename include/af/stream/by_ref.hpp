// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::streams::by_ref(s)`: borrows stream `s` so that an adaptor can use it without taking
/// ownership; `s` keeps its state afterwards.
///
///     auto head = co_await (af::streams::by_ref(lines) | af::streams::take(2) | af::streams::collect());
///     // `lines` continues after the second line
///
/// `s` must outlive the borrow and must not move while borrowed. Everything else is `s`'s.
#include <memory>    // std::addressof
#include <optional>  // items

#include "af/stream/stream.hpp"

namespace af::streams {

/// The stream made by `af::streams::by_ref`.
template <stream S>
class [[nodiscard("a stream does nothing until it is polled")]] ref_stream {
public:
    using item = item_of<S>;
    explicit ref_stream(S& s) noexcept : s_(std::addressof(s)) {}
    af::poll<std::optional<item>> poll_next(context& cx) { return s_->poll_next(cx); }

private:
    S* s_;
};

template <stream S>
ref_stream<S> by_ref(S& s) noexcept {
    return ref_stream<S>(s);
}

}  // namespace af::streams

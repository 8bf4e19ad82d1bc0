// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::next(s)`: a future of the next item of stream `s`, `std::nullopt` at the end.
///
///     while (auto v = co_await af::next(numbers)) use(*v);
///
/// The future borrows `s` and polls it in place, so `s` must outlive it and must not move once
/// polled (a stream, like a future, may hand out wakers that point into itself).
///
/// Cancellation: dropping the future before it is ready loses nothing; the stream keeps its
/// state and the next `af::next(s)` continues where this one stopped. Thread safety: as `s`.
#include <memory>  // std::addressof

#include "af/stream/stream.hpp"

namespace af {

/// The future made by `af::next`.
template <stream S>
class [[nodiscard("a future does nothing until it is awaited")]] next_future {
public:
    using output = std::optional<item_of<S>>;
    explicit next_future(S& s) noexcept : s_(std::addressof(s)) {}
    af::poll<output> poll(context& cx) { return s_->poll_next(cx); }

private:
    S* s_;
};

template <stream S>
next_future<S> next(S& s) noexcept {
    return next_future<S>(s);
}

}  // namespace af

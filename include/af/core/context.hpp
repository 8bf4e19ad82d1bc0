// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::context`: what a future receives each time it is polled.
///
/// Today it carries the waker of the task being polled (`cx.waker()`); it is the place where
/// later per-poll information (a cooperative budget, the current runtime) will live, so that
/// the future signature does not change.
#include "af/core/waker.hpp"

namespace af {

class context {
public:
    explicit context(const af::waker& w) noexcept : waker_(&w) {}
    context(const context&) = delete;
    context& operator=(const context&) = delete;

    /// The waker of the task being polled. Clone it to be woken later.
    const af::waker& waker() const noexcept { return *waker_; }

private:
    const af::waker* waker_;
};

}  // namespace af

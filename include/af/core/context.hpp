// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::context`: what a future receives each time it is polled.
///
/// It carries the waker of the task being polled (`cx.waker()`). The cooperative budget and the
/// current runtime are per-thread state instead (af/core/coop.hpp, af::rt::handle::current()),
/// so a context is one pointer.
#include "af/core/waker.hpp"

namespace af {

class context {
public:
    /// Keeps a pointer to `w`: the waker must outlive the context.
    explicit context(const af::waker& w) noexcept : waker_(&w) {}
    // `context cx(waker::noop());` would dangle: name the waker first. The comment on the next
    // line is what compilers print with the error.
    context(const af::waker&&) = delete;  // keeps a pointer to a waker destroyed at the `;`
    context(const context&) = delete;
    context& operator=(const context&) = delete;

    /// The waker of the task being polled. Clone it to be woken later.
    const af::waker& waker() const noexcept { return *waker_; }

private:
    const af::waker* waker_;
};

}  // namespace af

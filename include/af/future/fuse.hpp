// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::fuse(f)`: a future that may be polled again after it completed; it then stays pending.
///
/// af's futures assert when polled after they returned ready. Fusing one makes that poll legal:
/// it returns `af::pending` forever (without registering the waker: nothing will ever wake
/// it). Useful in hand-written `select` loops that re-poll every branch, and where code must
/// ask "already finished?" (`is_terminated()`). The inner future is destroyed as soon as it
/// completes, so a fused future holds no resources afterwards.
///
///     auto f = af::fuse(af::ready(1));
///     f.poll(cx);              // ready: 1
///     f.poll(cx);              // pending, for ever
///     assert(f.is_terminated());
///
/// Cancellation: destroying it destroys the inner future. Thread safety: as the inner future.
#include <optional>     // the inner future until it completes
#include <type_traits>  // std::remove_cvref_t
#include <utility>      // std::move, std::forward

#include "af/core/future.hpp"

namespace af {

/// The future made by `af::fuse`.
template <future F>
class [[nodiscard("a future does nothing until it is awaited")]] fuse_future {
public:
    using output = output_of<F>;

    explicit fuse_future(F f) : inner_(std::move(f)) {}

    af::poll<output> poll(context& cx) {
        if (!inner_) return pending;
        auto p = inner_->poll(cx);
        if (p.is_ready()) inner_.reset();
        return p;
    }

    /// True once the inner future completed (and was destroyed).
    bool is_terminated() const noexcept { return !inner_.has_value(); }

private:
    std::optional<F> inner_;
};

template <class F>
    requires future<std::remove_cvref_t<F>>
fuse_future<std::remove_cvref_t<F>> fuse(F&& f) {
    return fuse_future<std::remove_cvref_t<F>>(std::forward<F>(f));
}

}  // namespace af

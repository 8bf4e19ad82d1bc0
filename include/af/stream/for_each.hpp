// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::for_each(fn)`: a future that calls `fn(item)` for every item and completes
/// when `s` ends.
///
///     co_await (std::move(events) | af::streams::for_each([&](event e) { log(e); }));
///
/// `fn` is a plain function; items that are ready at once are handled inside one poll. To run
/// async work per item, map each item to a future first (`then`, or `for_each_concurrent`).
///
/// Cancellation: destroying the future destroys `s`; items not yet received are not handled.
/// Errors: from `s` or `fn`. Thread safety: as `s`.
#include <cassert>   // polled-after-ready check
#include <utility>   // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The future made by `af::streams::for_each`.
template <stream S, class Fn>
class [[nodiscard("a future does nothing until it is awaited")]] for_each_future {
public:
    using output = void;

    for_each_future(S s, Fn fn) : s_(std::move(s)), fn_(std::move(fn)) {}

    af::poll<void> poll(context& cx) {
        assert(!done_ && "af::streams::for_each polled after it completed");
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return pending;
            if (!p.value()) {
                done_ = true;
                return {};
            }
            fn_(std::move(*p.value()));
        }
    }

private:
    S s_;
    Fn fn_;
    bool done_ = false;
};

template <class Fn>
auto for_each(Fn fn) {
    return detail::make_stream_adaptor([fn = std::move(fn)]<stream S>(S s) mutable {
        return for_each_future<S, Fn>(std::move(s), std::move(fn));
    });
}

}  // namespace af::streams

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::for_each_concurrent(limit, fn)`: a future that runs the future `fn(item)`
/// for every item, at most `limit` at once (0: no limit), and completes when `s` ended and
/// every one of them finished.
///
///     co_await (std::move(conns) | af::streams::for_each_concurrent(16, [](conn c) { return serve(std::move(c)); }));
///
/// The futures run inside this one future (an `af::futures_unordered`), not as spawned tasks:
/// they make progress only while it is polled, and on one thread at a time. Spawn them on an
/// executor instead when they should run in parallel. For a plain function, use
/// `af::streams::for_each`.
///
/// Cancellation: destroying the future destroys `s` and every running future.
/// Errors: an exception from `s`, `fn` or a future propagates out of `poll`; the future is then
/// finished (the remaining futures are destroyed with it). Thread safety: as `s`.
#include <cassert>      // polled-after-ready check
#include <cstddef>      // std::size_t
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move

#include "af/future/futures_unordered.hpp"
#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The future made by `af::streams::for_each_concurrent`.
template <stream S, class Fn>
class [[nodiscard("a future does nothing until it is awaited")]] for_each_concurrent_future {
    using fut = std::invoke_result_t<Fn&, item_of<S>&&>;
    static_assert(future<fut>, "af::streams::for_each_concurrent: fn(item) must return an af::future");

public:
    using output = void;

    for_each_concurrent_future(S s, std::size_t limit, Fn fn) : s_(std::move(s)), limit_(limit), fn_(std::move(fn)) {}

    af::poll<void> poll(context& cx) {
        assert(!done_ && "af::streams::for_each_concurrent polled after it completed");
        for (;;) {
            while (!input_done_ && (limit_ == 0 || running_.size() < limit_)) {
                auto p = s_.poll_next(cx);
                if (p.is_pending()) break;
                if (!p.value()) {
                    input_done_ = true;
                    break;
                }
                running_.push(fn_(std::move(*p.value())));
            }
            auto p = running_.poll_next(cx);
            if (p.is_pending()) return pending;
            if (!p.value()) {
                // Nothing runs: finished, or waiting on `s` (which then registered the waker).
                if (!input_done_) return pending;
                done_ = true;
                return {};
            }
            // One finished: a slot is free, pull more from `s`.
        }
    }

private:
    S s_;
    std::size_t limit_;
    Fn fn_;
    futures_unordered<fut> running_;
    bool input_done_ = false;
    bool done_ = false;
};

template <class Fn>
auto for_each_concurrent(std::size_t limit, Fn fn) {
    return detail::make_stream_adaptor([limit, fn = std::move(fn)]<stream S>(S s) mutable {
        return for_each_concurrent_future<S, Fn>(std::move(s), limit, std::move(fn));
    });
}

}  // namespace af::streams

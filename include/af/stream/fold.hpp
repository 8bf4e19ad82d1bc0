// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `s | af::streams::fold(init, fn)`: a future that runs `acc = fn(std::move(acc), item)` for
/// every item and completes with `acc` when `s` ends.
///
///     int total = co_await (std::move(numbers) | af::streams::fold(0, [](int a, int n) { return a + n; }));
///
/// `fn` is a plain function. Items that are ready at once are folded inside one poll. For a
/// container of the items use `af::streams::collect`; for side effects, `af::streams::for_each`.
///
/// Cancellation: destroying the future destroys `s` and the accumulator (the partial result is
/// lost). Errors: from `s` or `fn`; the future is then finished. Thread safety: as `s`.
#include <cassert>      // polled-after-ready check
#include <optional>     // the accumulator until it is handed out
#include <type_traits>  // std::decay_t
#include <utility>      // std::move

#include "af/stream/detail/adaptor.hpp"

namespace af::streams {

/// The future made by `af::streams::fold`.
template <stream S, class Acc, class Fn>
class [[nodiscard("a future does nothing until it is awaited")]] fold_future {
public:
    using output = Acc;

    fold_future(S s, Acc init, Fn fn) : s_(std::move(s)), acc_(std::move(init)), fn_(std::move(fn)) {}

    af::poll<Acc> poll(context& cx) {
        assert(acc_.has_value() && "af::streams::fold polled after it completed");
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending()) return pending;
            if (!p.value()) {
                af::poll<Acc> out(std::in_place, std::move(*acc_));
                acc_.reset();
                return out;
            }
            Acc a = std::move(*acc_);
            acc_.reset();  // an exception from fn leaves the future finished
            acc_.emplace(fn_(std::move(a), std::move(*p.value())));
        }
    }

private:
    S s_;
    std::optional<Acc> acc_;
    Fn fn_;
};

template <class Acc, class Fn>
auto fold(Acc init, Fn fn) {
    return detail::make_stream_adaptor([init = std::move(init), fn = std::move(fn)]<stream S>(S s) mutable {
        return fold_future<S, Acc, Fn>(std::move(s), std::move(init), std::move(fn));
    });
}

}  // namespace af::streams

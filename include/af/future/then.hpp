// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::then(f, fn)`: awaits `f`, calls `fn(output)`, which returns a second future, and
/// awaits that: the output is the second future's output.
///
/// A `void` output of `f` calls `fn()`. When `fn` returns a plain value, use `af::map`. Inside a
/// coroutine, two `co_await`s read better; `then` builds the same chain without a frame.
///
///     auto body = af::then(connect(host), [](connection c) { return c.read_all(); });
///
/// Cancellation: destroyed while awaiting `f`, it destroys `f` and `fn` never runs; destroyed
/// while awaiting the second future, it destroys that one (`f` is already gone: it is destroyed
/// as soon as it completes).
/// Errors: an exception from `f`, `fn` or the second future propagates out of `poll`.
/// Thread safety: as the two futures.
#include <cassert>      // polled-after-ready check
#include <optional>     // the stages, each alive only while it runs
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move

#include "af/core/future.hpp"
#include "af/future/map.hpp"  // detail::map_result: the type fn returns

namespace af {

/// The future made by `af::then`.
template <future F, class Fn>
class [[nodiscard("a future does nothing until it is awaited")]] then_future {
    using second_future = typename detail::map_result<Fn, output_of<F>>::type;
    static_assert(future<second_future>,
                  "af::then(f, fn): fn must return an af::future; use af::map when it returns a plain value");

public:
    using output = output_of<second_future>;

    then_future(F f, Fn fn) : first_(std::move(f)), fn_(std::move(fn)) {}

    af::poll<output> poll(context& cx) {
        if (first_) {
            auto p = first_->poll(cx);
            if (p.is_pending()) return pending;
            Fn fn = std::move(*fn_);
            fn_.reset();
            if constexpr (std::is_void_v<output_of<F>>) {
                first_.reset();
                second_.emplace(std::move(fn)());
            } else {
                first_.reset();
                second_.emplace(std::move(fn)(std::move(p).value()));
            }
        }
        assert(second_.has_value() && "af::then polled after it completed");
        auto p = second_->poll(cx);
        if (p.is_ready()) second_.reset();
        return p;
    }

private:
    std::optional<F> first_;
    std::optional<Fn> fn_;
    std::optional<second_future> second_;
};

template <class F, class Fn>
    requires future<std::remove_cvref_t<F>>
then_future<std::remove_cvref_t<F>, std::decay_t<Fn>> then(F&& f, Fn&& fn) {
    return {std::forward<F>(f), std::forward<Fn>(fn)};
}

}  // namespace af

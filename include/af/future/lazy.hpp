// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::lazy(f)`: a future that calls `f()` on its first poll and is ready with the result.
/// Nothing runs at construction: this is how to defer a synchronous computation into a future.
#include <cassert>      // polled-after-ready check
#include <optional>     // the callable until it has run
#include <type_traits>  // std::invoke_result_t
#include <utility>      // std::move

#include "af/core/future.hpp"

namespace af {

template <class F>
class [[nodiscard("a future does nothing until it is awaited")]] lazy_future {
public:
    using output = std::invoke_result_t<F&>;
    explicit lazy_future(F f) : f_(std::move(f)) {}

    af::poll<output> poll(context&) {
        assert(f_.has_value() && "af::lazy polled after it completed");
        F f = std::move(*f_);
        f_.reset();
        if constexpr (std::is_void_v<output>) {
            f();
            return {};
        } else {
            return af::poll<output>(std::in_place, f());
        }
    }

private:
    std::optional<F> f_;
};

template <class F>
lazy_future<F> lazy(F f) {
    return lazy_future<F>(std::move(f));
}

}  // namespace af

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::ready(v)`: a future that is ready at once with `v` (`af::ready()` for `void`).
///
///     int x = co_await af::ready(7);
#include <cassert>      // polled-after-ready check
#include <optional>     // the value until it is taken
#include <type_traits>  // std::decay_t
#include <utility>      // std::move

#include "af/core/future.hpp"

namespace af {

template <class T>
class [[nodiscard("a future does nothing until it is awaited")]] ready_future {
public:
    using output = T;
    explicit ready_future(T v) : value_(std::move(v)) {}
    af::poll<T> poll(context&) {
        assert(value_.has_value() && "af::ready polled after it completed");
        af::poll<T> p(std::in_place, std::move(*value_));
        value_.reset();
        return p;
    }

private:
    std::optional<T> value_;
};

template <>
class [[nodiscard("a future does nothing until it is awaited")]] ready_future<void> {
public:
    using output = void;
    af::poll<void> poll(context&) noexcept { return {}; }
};

template <class T>
ready_future<std::decay_t<T>> ready(T&& v) {
    return ready_future<std::decay_t<T>>(std::forward<T>(v));
}
inline ready_future<void> ready() noexcept { return {}; }

}  // namespace af

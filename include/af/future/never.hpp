// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::never<T>()`: a future that is always pending and never wakes. Useful in `select` and
/// in tests of cancellation.
#include "af/core/future.hpp"

namespace af {

template <class T = void>
class [[nodiscard("a future does nothing until it is awaited")]] never_future {
public:
    using output = T;
    af::poll<T> poll(context&) noexcept { return pending; }
};

template <class T = void>
never_future<T> never() noexcept {
    return {};
}

}  // namespace af

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::test::pending_once(f)`: returns pending once (waking itself) before polling `f`. Turns a
/// future that is ready at once into one that suspends, to exercise the suspended code paths.
#include <utility>  // std::move

#include "af/core/future.hpp"

namespace af::test {

template <class F>
class [[nodiscard("a future does nothing until it is awaited")]] pending_once_future {
public:
    using output = output_of<F>;
    explicit pending_once_future(F f) : f_(std::move(f)) {}
    af::poll<output> poll(context& cx) {
        if (!yielded_) {
            yielded_ = true;
            cx.waker().wake_by_ref();
            return pending;
        }
        return f_.poll(cx);
    }

private:
    F f_;
    bool yielded_ = false;
};

template <class F>
pending_once_future<F> pending_once(F f) {
    return pending_once_future<F>(std::move(f));
}

}  // namespace af::test

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::yield_now()`: pending once (after waking itself), then ready. Lets other tasks on the
/// same executor run.
#include "af/core/future.hpp"

namespace af {

class [[nodiscard("a future does nothing until it is awaited")]] yield_now_future {
public:
    using output = void;
    af::poll<void> poll(context& cx) {
        if (yielded_) return {};
        yielded_ = true;
        cx.waker().wake_by_ref();
        return pending;
    }

private:
    bool yielded_ = false;
};

inline yield_now_future yield_now() noexcept { return {}; }

}  // namespace af

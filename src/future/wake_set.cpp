// SPDX-License-Identifier: MIT
// Out-of-line helpers of af::detail::wake_set (include/af/future/detail/wake_set.hpp).
#include <algorithm>

#include "af/future/detail/wake_set.hpp"

namespace af::detail {

void sort_indices(std::size_t* first, std::size_t n) noexcept { std::sort(first, first + n); }

}  // namespace af::detail

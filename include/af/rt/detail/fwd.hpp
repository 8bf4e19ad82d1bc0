// SPDX-License-Identifier: MIT
#pragma once
// Forward declarations shared by the runtime's headers, so that each includes only what it uses.

namespace af::time::detail {
class time_driver;
}  // namespace af::time::detail

namespace af::rt::detail {
class runtime_core;
class blocking_pool;
class reactor;
}  // namespace af::rt::detail

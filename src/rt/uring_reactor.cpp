// SPDX-License-Identifier: MIT
// The io_uring backend is not built yet: asking for it is a clear error, not a silent fallback.
#include <cerrno>
#include <system_error>

#include "af/rt/detail/reactor.hpp"

namespace af::rt::detail {

reactor* make_uring_reactor() {
    throw std::system_error(ENOSYS, std::generic_category(), "af: the io_uring backend is not available in this build");
}

}  // namespace af::rt::detail

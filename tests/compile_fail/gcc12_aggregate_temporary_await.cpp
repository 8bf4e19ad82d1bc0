// SPDX-License-Identifier: MIT
/// Misuse (GCC 12 only): awaiting an aggregate future built in the co_await operand. GCC 12
/// destroys that temporary twice, so the shared_ptr it holds is released twice (issue 11). af
/// rejects an awaited aggregate temporary that owns something; clang, which is not affected,
/// accepts the snippet (`rejected-by` makes the driver check that).
///
/// rejected-by: g\+\+
/// expect-error: GCC 12 destroys an aggregate future awaited as a temporary twice
/// expect-error: give the future a constructor, or co_await a named local
/// max-lines: 30
#include <memory>

#include "af/core/task.hpp"

struct shared_answer {  // an aggregate: no constructor
    using output = int;
    std::shared_ptr<int> value;
    af::poll<int> poll(af::context&) { return *value; }
};

af::task<int> read(std::shared_ptr<int> p) {
#ifdef AF_COMPILE_FAIL
    co_return co_await shared_answer{p};
#else
    shared_answer f{p};  // a named local is destroyed once
    co_return co_await f;
#endif
}

int main() { (void)read(std::make_shared<int>(1)); }

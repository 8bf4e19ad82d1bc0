// SPDX-License-Identifier: MIT
/// Misuse: passing named (lvalue) futures to af::join, af::try_join and af::join_all. The join
/// owns its children (a task cannot even be copied); the message says to move them in.
///
/// expect-error: af::join takes ownership of its futures: pass a named future as std::move\(x\)
/// expect-error: af::try_join takes ownership of its futures: pass a named future as std::move
/// expect-error: af::join_all takes ownership of its futures: pass a named vector as std::move\(v\)
/// max-lines: 40
#include <utility>
#include <vector>

#include "af/core/task.hpp"
#include "af/future/join.hpp"
#include "af/future/join_all.hpp"
#include "af/future/ready.hpp"
#include "af/future/try_join.hpp"

af::task<int> one() { co_return 1; }

af::task<int> all() {
    af::task<int> a = one();
    af::task<int> b = one();
    af::task<int> c = one();
    af::task<int> d = one();
    std::vector<af::task<int>> v;
    v.push_back(one());
    auto r = af::ready(3);  // copyable, but still rejected by name: its twin would go unawaited
#ifdef AF_COMPILE_FAIL
    auto [x, y, z] = co_await af::join(a, b, r);
    auto [p, q] = co_await af::try_join(c, d);
    std::vector<int> w = co_await af::join_all(v);
#else
    auto [x, y, z] = co_await af::join(std::move(a), std::move(b), std::move(r));
    auto [p, q] = co_await af::try_join(std::move(c), std::move(d));
    std::vector<int> w = co_await af::join_all(std::move(v));
#endif
    co_return x + y + z + p + q + w[0];
}

int main() { (void)all(); }

// SPDX-License-Identifier: MIT
// Pitfall: co_await operand shapes GCC 12 miscompiles, and the safe form of each: a named local.
#include <af/af.hpp>

#include <cassert>
#include <memory>
#include <string>

struct request {
    std::string key;
    std::shared_ptr<int> owner;  // owns something: a double destruction would be a double free
};

af::task<std::size_t> handle(request r) { co_return r.key.size() + static_cast<std::size_t>(*r.owner); }
af::task<std::string> fetch(std::string s) { co_return s; }
std::string from_cache() { return "cached"; }
std::string from_disk() { return "on disk"; }

af::task<std::size_t> safe(bool cached) {
    // 1. Not `co_await handle(request{"k", ...})`: GCC 12 destroys the braced temporary twice.
    request r{"k", std::make_shared<int>(1)};
    std::size_t a = co_await handle(std::move(r));

    // 2. Not `co_await fetch(cached ? from_cache() : from_disk())`: g++ 12.2 destroys the
    //    chosen temporary twice (a crash on the second request in the mini-redis port).
    std::string source = cached ? from_cache() : from_disk();
    std::string b = co_await fetch(std::move(source));

    // 3. Not `(co_await fetch(x)).size()` inside a generic lambda: GCC 12 rejects it.
    auto generic = [](auto s) -> af::task<std::size_t> {
        std::string v = co_await fetch(std::move(s));
        co_return v.size();
    };
    std::size_t c = co_await generic(std::string("abcd"));
    co_return a + b.size() + c;
}

int main() {
    // scripts/check_coawait.py keeps these shapes out of af's own code (ctest lint.co_await_operand_shapes).
    assert(af::block_on(safe(true)) == 2 + 6 + 4);
    assert(af::block_on(safe(false)) == 2 + 7 + 4);
}

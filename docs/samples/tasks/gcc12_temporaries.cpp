// SPDX-License-Identifier: MIT
// GCC 12 and aggregate temporaries in a co_await: the safe forms, checked by counting
// destructions (the unsafe form is not run: it would free twice under GCC 12).
#include <af/af.hpp>

#include <cassert>
#include <memory>
#include <utility>

// Counts live objects: a second destruction of the same object would take it below zero.
struct tracked {
    static inline int alive = 0;
    tracked() { ++alive; }
    tracked(const tracked&) { ++alive; }
    tracked(tracked&&) noexcept { ++alive; }
    ~tracked() { --alive; }
};

// A hand-written future that owns something: an aggregate (no constructor).
struct shared_value {
    using output = int;
    std::shared_ptr<int> value;
    tracked t;
    af::poll<int> poll(af::context&) { return *value; }
};

// A named local is destroyed once, by every compiler.
af::task<int> named(std::shared_ptr<int> p) {
    shared_value f{std::move(p), {}};
    co_return co_await f;
}

// A future with a constructor is not an aggregate: `co_await with_ctor{p}` is fine too.
struct with_ctor {
    using output = int;
    explicit with_ctor(std::shared_ptr<int> p) : value(std::move(p)) {}
    std::shared_ptr<int> value;
    tracked t;
    af::poll<int> poll(af::context&) { return *value; }
};

af::task<int> constructed(std::shared_ptr<int> p) {
    co_return co_await with_ctor{std::move(p)};  // await-temporary: ok (has a constructor)
}

int main() {
    auto p = std::make_shared<int>(7);
    assert(af::block_on(named(p)) == 7);
    assert(tracked::alive == 0);  // every future built was destroyed, once
    assert(af::block_on(constructed(p)) == 7);
    assert(tracked::alive == 0);
    assert(p.use_count() == 1);  // every copy of the shared_ptr released exactly once
}

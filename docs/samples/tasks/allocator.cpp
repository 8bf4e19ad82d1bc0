// SPDX-License-Identifier: MIT
// Giving a family of tasks its own allocator with std::allocator_arg.
#include <af/af.hpp>

#include <cassert>
#include <cstddef>
#include <memory>

// GCC 12 at -O0 wrongly reports -Wmismatched-new-delete for a coroutine whose frame comes from
// an allocator_arg operator new: af does free it through the allocator stored in the frame.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// A minimal allocator that counts what goes through it. A real one might be an arena that is
// reset per request, or std::pmr::polymorphic_allocator over a monotonic buffer.
struct counts {
    int allocations = 0;
    int live = 0;
};

template <class T>
struct counting_allocator {
    using value_type = T;
    counts* stats;

    explicit counting_allocator(counts* s) noexcept : stats(s) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& o) noexcept : stats(o.stats) {}

    T* allocate(std::size_t n) {
        ++stats->allocations;
        ++stats->live;
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        --stats->live;
        std::allocator<T>().deallocate(p, n);
    }
    friend bool operator==(const counting_allocator& a, const counting_allocator& b) noexcept {
        return a.stats == b.stats;
    }
};

using alloc = counting_allocator<std::byte>;

// `std::allocator_arg_t, Alloc` as the first two parameters: af allocates this coroutine's frame
// with `a` (and stores a copy of `a` in the frame to free it with). Passing the allocator down
// keeps the whole family of tasks on it.
af::task<int> leaf(std::allocator_arg_t, alloc, int x) {
    co_await af::yield_now();
    co_return x * 2;
}

af::task<int> request(std::allocator_arg_t, alloc a, int n) {
    int sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await leaf(std::allocator_arg, a, i);
    co_return sum;
}

int main() {
    counts stats;
    alloc a(&stats);
    int result = af::block_on(request(std::allocator_arg, a, 4));
    assert(result == 2 * (0 + 1 + 2 + 3));
    assert(stats.allocations == 5);  // one frame for request, one per leaf
    assert(stats.live == 0);         // every frame was returned to the allocator
}

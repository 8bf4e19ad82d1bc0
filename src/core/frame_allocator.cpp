// SPDX-License-Identifier: MIT
// The per-thread recycling cache behind coroutine-frame allocation.
//
// Frames are rounded up to a size class (64-byte steps up to 1 KiB); each thread keeps a
// bounded free list per class. A frame freed on another thread than the one that allocated it
// simply joins the freeing thread's list: blocks are interchangeable, so no cross-thread
// synchronisation is needed. Larger frames, and frames freed once a list is full or after the
// thread's cache is gone (thread exit), go straight to operator new/delete.
#include <cstddef>
#include <new>

#include "af/core/detail/frame_allocator.hpp"

namespace af::detail {
namespace {

constexpr std::size_t class_step = 64;
constexpr std::size_t class_count = 16;  // up to 1 KiB
constexpr std::size_t max_cached_per_class = 1024;

struct free_block {
    free_block* next;
};

struct frame_cache {
    free_block* heads[class_count] = {};
    std::size_t counts[class_count] = {};

    ~frame_cache();
};

// Trivially destructible so that access needs no TLS guard; `owner` below clears it on exit.
thread_local frame_cache* current_cache = nullptr;
thread_local bool cache_destroyed = false;

frame_cache::~frame_cache() {
    current_cache = nullptr;
    cache_destroyed = true;
    for (std::size_t c = 0; c < class_count; ++c) {
        while (free_block* b = heads[c]) {
            heads[c] = b->next;
            ::operator delete(b);
        }
    }
}

frame_cache* cache() noexcept {
#if defined(AF_NO_FRAME_CACHE)
    // Sanitizer builds: every frame is a real allocation, so use-after-free is caught.
    return nullptr;
#endif
    if (current_cache != nullptr) [[likely]] return current_cache;
    if (cache_destroyed) return nullptr;
    thread_local frame_cache owner;
    current_cache = &owner;
    return current_cache;
}

}  // namespace

void* recycling_allocate(std::size_t size) {
    std::size_t c = (size - 1) / class_step;
    if (c < class_count) {
        if (frame_cache* fc = cache()) {
            if (free_block* b = fc->heads[c]) {
                fc->heads[c] = b->next;
                --fc->counts[c];
                return b;
            }
        }
        return ::operator new((c + 1) * class_step);
    }
    return ::operator new(size);
}

void recycling_deallocate(void* p, std::size_t size) noexcept {
    std::size_t c = (size - 1) / class_step;
    if (c < class_count) {
        frame_cache* fc = cache();
        if (fc != nullptr && fc->counts[c] < max_cached_per_class) {
            fc->heads[c] = ::new (p) free_block{fc->heads[c]};
            ++fc->counts[c];
            return;
        }
        ::operator delete(p);
        return;
    }
    ::operator delete(p);
}

}  // namespace af::detail

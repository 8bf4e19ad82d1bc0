// SPDX-License-Identifier: MIT
// The per-thread recycling cache behind coroutine-frame (and spawned-task) allocation.
//
// Sizes up to 1 KiB are rounded up to a size class; each thread keeps a free list per class,
// bounded by bytes (max_cached_bytes per class) so that a class of small blocks may hold many
// and a class of large ones few. A block freed on another thread than the one that allocated it
// simply joins the freeing thread's list: blocks are interchangeable, so no cross-thread
// synchronisation is needed. Larger blocks, and blocks freed once a list is full or after the
// thread's cache is gone (thread exit), go straight to operator new/delete.
//
// Class sizes are 16-byte steps ending in 8 (8, 24, 40, ..., 152, 168, ...). Steps of 16 keep
// the rounding loss of a frame under 16 bytes (64-byte steps lost up to 63 per frame). The odd
// 8 is for the blocks that fall through to malloc, which is every block while more are alive
// than the cache holds: glibc adds an 8-byte size word and rounds the chunk to 16, so a
// 16k+8-byte request fills its chunk exactly, where a 16k-byte one would take 16 bytes more.
#include <cstddef>
#include <new>

#include "af/core/detail/frame_allocator.hpp"

namespace af::detail {
namespace {

constexpr std::size_t class_step = 16;
constexpr std::size_t max_class_size = 1024 + 8;
constexpr std::size_t class_count = max_class_size / class_step + 1;  // 0..64
constexpr std::size_t max_cached_bytes = 128 * 1024;  // per class and thread

// The class of a request of `size` bytes (size >= 1), and the size of its blocks.
constexpr std::size_t class_of(std::size_t size) noexcept { return (size + 7) / class_step; }
constexpr std::size_t class_size(std::size_t c) noexcept { return c * class_step + 8; }
static_assert(class_size(class_of(152)) == 152 && class_size(class_of(153)) == 168);
static_assert(class_size(class_of(1)) >= sizeof(void*), "a free block must hold its link");
static_assert(class_size(class_count - 1) == max_class_size);

struct free_block {
    free_block* next;
};

struct frame_cache {
    free_block* heads[class_count] = {};
    std::size_t bytes[class_count] = {};

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
    std::size_t c = class_of(size);
    if (c < class_count) {
        if (frame_cache* fc = cache()) {
            if (free_block* b = fc->heads[c]) {
                fc->heads[c] = b->next;
                fc->bytes[c] -= class_size(c);
                return b;
            }
        }
        return ::operator new(class_size(c));
    }
    return ::operator new(size);
}

void recycling_deallocate(void* p, std::size_t size) noexcept {
    std::size_t c = class_of(size);
    if (c < class_count) {
        frame_cache* fc = cache();
        if (fc != nullptr && fc->bytes[c] < max_cached_bytes) {
            fc->heads[c] = ::new (p) free_block{fc->heads[c]};
            fc->bytes[c] += class_size(c);
            return;
        }
    }
    ::operator delete(p);
}

}  // namespace af::detail

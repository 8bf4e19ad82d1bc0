// SPDX-License-Identifier: MIT
// The per-thread recycling cache behind coroutine-frame (and spawned-task) allocation.
//
// Sizes up to 1 KiB are rounded up to a size class; each thread keeps a free list per class,
// bounded by bytes (max_cached_bytes per class) so that a class of small blocks may hold many
// and a class of large ones few. A block freed on another thread than the one that allocated it
// simply joins the freeing thread's list: blocks are interchangeable, so no cross-thread
// synchronisation is needed. Larger blocks, and blocks freed once a list is full or after the
// thread's cache is gone (thread exit), go straight to operator new/delete. Out of memory: operator new throws std::bad_alloc (a coroutine's
// operator new passes it to the caller of the coroutine); nothing here aborts (see below).
//
// Class sizes are 16-byte steps ending in 8 (8, 24, 40, ..., 152, 168, ...). Steps of 16 keep
// the rounding loss of a frame under 16 bytes (64-byte steps lost up to 63 per frame). The odd
// 8 is for the blocks that fall through to malloc, which is every block while more are alive
// than the cache holds: glibc adds an 8-byte size word and rounds the chunk to 16, so a
// 16k+8-byte request fills its chunk exactly, where a 16k-byte one would take 16 bytes more.
#include <pthread.h>  // the key whose destructor empties a thread's cache at exit

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

// Trivially destructible and constant-initialised, so a thread_local of it needs no guard and
// registers no destructor. The cache must never register one lazily: glibc registers a
// thread_local's destructor on first use with calloc and aborts the process ("failed to
// register TLS destructor") when that fails, and the first use may be a frame freed in a
// noexcept path on a thread that has run out of memory (issue 17). The blocks are freed at
// thread exit by a pthread key's destructor instead. Setting the key's value cannot abort
// (glibc keeps the first 32 keys in the thread's descriptor, and for later keys reports ENOMEM),
// and a thread whose set-up failed simply does not cache.
struct frame_cache {
    free_block* heads[class_count];
    std::size_t bytes[class_count];
};

enum class cache_state : unsigned char { none, active, unavailable };

thread_local frame_cache tls_cache{};
thread_local cache_state tls_state = cache_state::none;

// Thread exit (after the thread's C++ thread_local destructors, whose frees it takes back).
// Blocks freed on this thread from here on go straight to operator delete.
void cache_exit(void* p) {
    tls_state = cache_state::unavailable;
    frame_cache& fc = *static_cast<frame_cache*>(p);
    for (std::size_t c = 0; c < class_count; ++c) {
        while (free_block* b = fc.heads[c]) {
            fc.heads[c] = b->next;
            ::operator delete(b);
        }
        fc.bytes[c] = 0;
    }
}

// One key for the process; pthread_key_create failing (keys exhausted) means no cache.
struct cache_key {
    pthread_key_t key{};
    bool ok = false;
    cache_key() noexcept { ok = ::pthread_key_create(&key, cache_exit) == 0; }
};

[[gnu::noinline]] frame_cache* set_up_cache() noexcept {
    // A function-local static's guard may take a lock but never allocates.
    static cache_key k;
    if (!k.ok || ::pthread_setspecific(k.key, &tls_cache) != 0) {
        tls_state = cache_state::unavailable;
        return nullptr;
    }
    tls_state = cache_state::active;
    return &tls_cache;
}

// exit() runs no key destructor for the thread calling it (usually the main thread); this
// static's destructor (registered at start-up, when memory is there) empties that thread's cache.
struct exiting_thread_cache {
    ~exiting_thread_cache() {
        if (tls_state == cache_state::active) cache_exit(&tls_cache);
    }
} exiting_thread;

frame_cache* cache() noexcept {
#if defined(AF_NO_FRAME_CACHE)
    // Sanitizer builds: every frame is a real allocation, so use-after-free is caught.
    return nullptr;
#endif
    if (tls_state == cache_state::active) [[likely]] return &tls_cache;
    if (tls_state == cache_state::unavailable) return nullptr;
    return set_up_cache();
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

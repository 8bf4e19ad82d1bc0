// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Internal: the heap block behind `af::bytes` and `af::bytes_mut`. One allocation holds a
/// reference count, the capacity, and then the data, so a buffer is one block, not a
/// `shared_ptr` control block plus a vector's array (docs/design/0016-buffers.md).
///
/// Every view (`bytes` or `bytes_mut`) that points into a block holds one reference. Views
/// never overlap in what they may write: a `bytes_mut` owns its range of the block alone, a
/// `bytes` only reads. So the count is the only shared state, and the data needs no lock.
#include <cstddef>  // std::byte, std::size_t

#include "af/detail/sync.hpp"  // sync::atomic: the count, checkable by the model checker

namespace af::detail {

struct bytes_block {
    sync::atomic<std::size_t> refs;
    std::size_t capacity;

    std::byte* data() noexcept { return reinterpret_cast<std::byte*>(this + 1); }

    /// A block of `capacity` data bytes with one reference. Throws std::bad_alloc.
    static bytes_block* allocate(std::size_t capacity);
    static void deallocate(bytes_block* b) noexcept;

    // Relaxed: a reference is only ever made from one the caller holds, which keeps the block
    // alive; the increment publishes nothing (the argument std::shared_ptr implementations use).
    void retain() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }

    void release() noexcept {
        // A count of 1 means the caller holds the last reference: nobody can make a new one
        // without holding one. Then the block is freed with no read-modify-write, so a buffer
        // that was never shared costs no locked instruction. Acquire pairs with the release
        // half of other views' decrements: their reads of the data happen before the free.
        if (refs.load(std::memory_order_acquire) == 1 || refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            deallocate(this);
        }
    }

    /// True when the caller's reference is the only one. Acquire, as in `release`: the data
    /// that other views read may be overwritten after this returns true.
    bool unique() const noexcept { return refs.load(std::memory_order_acquire) == 1; }
};

/// Throws std::out_of_range("<op>: <n> is past the end of <size> bytes"). Out of line, so that
/// <stdexcept> and <string> stay out of the public headers.
[[noreturn]] void bytes_out_of_range(const char* op, std::size_t n, std::size_t size);

}  // namespace af::detail

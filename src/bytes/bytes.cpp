// SPDX-License-Identifier: MIT
// The out-of-line parts of af::bytes and af::bytes_mut: allocation, growth and errors.
//
// Invariants (include/af/bytes/detail/block.hpp): a block's count is the number of views into
// it; a bytes_mut owns [ptr_, ptr_ + cap_) alone, so when its block's count is 1 it owns the
// whole block, and may move its bytes anywhere in it.
#include <cstdint>    // SIZE_MAX
#include <cstring>    // std::memcpy, std::memmove
#include <new>        // ::operator new, placement new
#include <stdexcept>  // std::out_of_range, std::length_error
#include <string>     // error messages

#include "af/bytes/bytes.hpp"
#include "af/bytes/bytes_mut.hpp"

namespace af::detail {

bytes_block* bytes_block::allocate(std::size_t capacity) {
    if (capacity > SIZE_MAX - sizeof(bytes_block)) throw std::length_error("af::bytes: capacity over SIZE_MAX");
    void* mem = ::operator new(sizeof(bytes_block) + capacity);
    auto* b = ::new (mem) bytes_block{};
    b->refs.store(1, std::memory_order_relaxed);  // not yet visible to any other thread
    b->capacity = capacity;
    return b;
}

void bytes_block::deallocate(bytes_block* b) noexcept {
    b->~bytes_block();
    ::operator delete(static_cast<void*>(b));
}

void bytes_out_of_range(const char* op, std::size_t n, std::size_t size) {
    throw std::out_of_range(std::string(op) + ": " + std::to_string(n) + " is past the end of " + std::to_string(size) +
                            " bytes");
}

}  // namespace af::detail

namespace af {

void bytes_mut::reserve_slow(std::size_t additional) {
    if (additional > SIZE_MAX - len_) throw std::length_error("af::bytes_mut::reserve: size over SIZE_MAX");
    std::size_t need = len_ + additional;
    if (block_ != nullptr && block_->unique()) {
        // Every other view is gone: the whole block is this buffer's, including room that
        // split-off pieces used to own after it and the bytes frozen or advanced before it.
        std::byte* base = block_->data();
        auto offset = static_cast<std::size_t>(ptr_ - base);
        cap_ = block_->capacity - offset;
        if (cap_ - len_ >= additional) return;
        // Moving costs len_ bytes; only doing it when it frees at least as many (offset) keeps
        // a run of appends amortised O(1) instead of moving the same bytes again and again.
        if (block_->capacity >= need && offset >= len_) {
            if (len_ > 0) std::memmove(base, ptr_, len_);
            ptr_ = base;
            cap_ = block_->capacity;
            return;
        }
    }
    std::size_t doubled = cap_ <= SIZE_MAX / 2 ? 2 * cap_ : SIZE_MAX;
    std::size_t new_cap = need > doubled ? need : doubled;
    if (new_cap < 64) new_cap = 64;  // the first block: skip the tiny sizes
    detail::bytes_block* nb = detail::bytes_block::allocate(new_cap);
    if (len_ > 0) std::memcpy(nb->data(), ptr_, len_);
    if (block_ != nullptr) block_->release();
    block_ = nb;
    ptr_ = nb->data();
    cap_ = new_cap;
}

}  // namespace af

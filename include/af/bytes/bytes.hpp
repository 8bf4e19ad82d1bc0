// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::bytes`: an immutable, reference-counted byte buffer that is cheap to copy and to slice.
///
///     af::bytes_mut buf;
///     buf.put("HTTP/1.1 200 OK\r\n");
///     af::bytes head = std::move(buf).freeze();      // no copy: the same memory
///     af::bytes status = head.slice(9, 12);           // "200", no copy either
///     auto ok = af::bytes::from_static("OK");         // no allocation at all
///
/// A `bytes` is a pointer, a length and a pointer to a shared heap block (or none, for static
/// memory and for empty values). Copying one adds a reference; `slice`, `split_to` and
/// `split_off` make views of the same block; the block is freed with its last view. Build one
/// with `af::bytes_mut` and `freeze()`, with `copy_from`, or over static memory with
/// `from_static`. Choosing: pass `std::span<const std::byte>` when the callee only looks at
/// the bytes during the call; use `bytes` when it keeps them (a frame handed to another task,
/// a cached response body) and copying them would cost.
///
/// Errors: an index past the end (`slice`, `split_to`, `split_off`, `advance`, `at`) throws
/// `std::out_of_range`; `operator[]` is unchecked, like std::vector's.
///
/// Thread safety: a `bytes` may be copied to and dropped on any thread; distinct objects,
/// even views of the same block, may be used on different threads at once, and so may the
/// `const` members of one object. The reference count is atomic; a block that is never
/// shared is freed without a read-modify-write, and a copy costs one uncontended atomic
/// increment (docs/design/0016-buffers.md says why there is no thread-local fast path).
#include <compare>      // std::strong_ordering
#include <cstddef>      // std::byte, std::size_t
#include <cstring>      // std::memcmp, std::memcpy
#include <span>         // the bytes as a span
#include <string_view>  // text in and out
#include <utility>      // std::exchange

#include "af/bytes/detail/block.hpp"  // the shared heap block

namespace af {

class bytes_mut;

/// An immutable view of shared bytes; see the file comment.
class bytes {
public:
    using value_type = std::byte;
    using size_type = std::size_t;
    using const_iterator = const std::byte*;
    using iterator = const_iterator;

    constexpr bytes() noexcept = default;

    /// A view of memory that lives for the whole program (a literal, a static array): no
    /// allocation, no count. The memory must never change or go away.
    static bytes from_static(std::span<const std::byte> s) noexcept { return bytes(s.data(), s.size(), nullptr); }
    static bytes from_static(std::string_view s) noexcept {
        return from_static(std::as_bytes(std::span(s.data(), s.size())));
    }
    /// A new block holding a copy of `s` (no block when `s` is empty).
    static bytes copy_from(std::span<const std::byte> s) {
        if (s.empty()) return {};
        auto* b = detail::bytes_block::allocate(s.size());
        std::memcpy(b->data(), s.data(), s.size());
        return bytes(b->data(), s.size(), b);
    }
    static bytes copy_from(std::string_view s) { return copy_from(std::as_bytes(std::span(s.data(), s.size()))); }

    bytes(const bytes& o) noexcept : ptr_(o.ptr_), len_(o.len_), block_(o.block_) {
        if (block_ != nullptr) block_->retain();
    }
    bytes(bytes&& o) noexcept
        : ptr_(std::exchange(o.ptr_, nullptr)), len_(std::exchange(o.len_, 0)), block_(std::exchange(o.block_, nullptr)) {}
    bytes& operator=(const bytes& o) noexcept {
        if (this != &o) *this = bytes(o);
        return *this;
    }
    bytes& operator=(bytes&& o) noexcept {
        if (this != &o) {
            reset();
            ptr_ = std::exchange(o.ptr_, nullptr);
            len_ = std::exchange(o.len_, 0);
            block_ = std::exchange(o.block_, nullptr);
        }
        return *this;
    }
    ~bytes() { reset(); }

    std::size_t size() const noexcept { return len_; }
    bool empty() const noexcept { return len_ == 0; }
    const std::byte* data() const noexcept { return ptr_; }
    const std::byte* begin() const noexcept { return ptr_; }
    const std::byte* end() const noexcept { return ptr_ + len_; }
    const std::byte& operator[](std::size_t i) const noexcept { return ptr_[i]; }
    const std::byte& at(std::size_t i) const {
        if (i >= len_) detail::bytes_out_of_range("af::bytes::at", i, len_);
        return ptr_[i];
    }
    std::span<const std::byte> as_span() const noexcept { return {ptr_, len_}; }
    operator std::span<const std::byte>() const noexcept { return as_span(); }
    /// The bytes as characters (for text protocols); valid while this view lives.
    std::string_view as_string_view() const noexcept { return {reinterpret_cast<const char*>(ptr_), len_}; }

    /// The bytes `[begin, end)` of this view, sharing its block. Throws std::out_of_range
    /// unless `begin <= end <= size()`.
    [[nodiscard]] bytes slice(std::size_t begin, std::size_t end) const {
        if (end > len_) detail::bytes_out_of_range("af::bytes::slice", end, len_);
        if (begin > end) detail::bytes_out_of_range("af::bytes::slice", begin, end);
        if (begin == end) return {};
        if (block_ != nullptr) block_->retain();
        return bytes(ptr_ + begin, end - begin, block_);
    }
    /// Takes the first `n` bytes off this view and returns them: this keeps `[n, size())`.
    /// Throws std::out_of_range when `n > size()` (and then changes nothing).
    [[nodiscard]] bytes split_to(std::size_t n) {
        if (n > len_) detail::bytes_out_of_range("af::bytes::split_to", n, len_);
        if (n == len_) return std::exchange(*this, bytes());
        bytes head = slice(0, n);
        ptr_ += n;
        len_ -= n;
        return head;
    }
    /// Takes the bytes from `n` on off this view and returns them: this keeps `[0, n)`.
    /// Throws std::out_of_range when `n > size()` (and then changes nothing).
    [[nodiscard]] bytes split_off(std::size_t n) {
        if (n > len_) detail::bytes_out_of_range("af::bytes::split_off", n, len_);
        if (n == 0) return std::exchange(*this, bytes());
        bytes tail = slice(n, len_);
        len_ = n;
        return tail;
    }
    /// Keeps the first `n` bytes (all of them when `n >= size()`).
    void truncate(std::size_t n) noexcept {
        if (n >= len_) return;
        if (n == 0) return reset();
        len_ = n;
    }
    /// Drops the view (and its reference to the block).
    void clear() noexcept { reset(); }

    // --- af::buf: reading from the front ---
    std::size_t remaining() const noexcept { return len_; }
    std::span<const std::byte> chunk() const noexcept { return as_span(); }
    /// Drops the first `n` bytes. Throws std::out_of_range when `n > size()`.
    void advance(std::size_t n) {
        if (n > len_) detail::bytes_out_of_range("af::bytes::advance", n, len_);
        if (n == len_) return reset();
        ptr_ += n;
        len_ -= n;
    }

    friend bool operator==(const bytes& a, const bytes& b) noexcept {
        return a.len_ == b.len_ && (a.len_ == 0 || std::memcmp(a.ptr_, b.ptr_, a.len_) == 0);
    }
    /// Lexicographic, byte by byte as unsigned values (then the shorter first).
    friend std::strong_ordering operator<=>(const bytes& a, const bytes& b) noexcept {
        std::size_t n = a.len_ < b.len_ ? a.len_ : b.len_;
        int c = n == 0 ? 0 : std::memcmp(a.ptr_, b.ptr_, n);
        if (c != 0) return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
        return a.len_ <=> b.len_;
    }

private:
    friend class bytes_mut;
    bytes(const std::byte* p, std::size_t n, detail::bytes_block* b) noexcept : ptr_(p), len_(n), block_(b) {}

    void reset() noexcept {
        if (block_ != nullptr) block_->release();
        ptr_ = nullptr;
        len_ = 0;
        block_ = nullptr;
    }

    const std::byte* ptr_ = nullptr;
    std::size_t len_ = 0;
    detail::bytes_block* block_ = nullptr;  // null: static memory or empty
};

}  // namespace af

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// `af::bytes_mut`: a growable byte buffer with one owner, which can be cut into pieces and
/// frozen into `af::bytes` without copying.
///
///     af::bytes_mut buf = af::bytes_mut::with_capacity(4096);
///     buf.put_u32(5);                                // big-endian
///     buf.put("hello");
///     af::bytes frame = buf.split_to(9).freeze();    // the same memory, now shared
///     buf.reserve(4096);   // once `frame` is gone, this reuses the block instead of allocating
///
/// Where `std::vector<std::byte>` would copy a message out of a receive buffer, a `bytes_mut`
/// hands out the message's own memory: `split_to(n)` returns the first `n` bytes as another
/// `bytes_mut` (this one keeps the rest), `split_off(n)` the bytes from `n` on, and `freeze()`
/// turns one into an immutable `af::bytes`. All of them keep pointing into one heap block,
/// each owning a disjoint range of it. `reserve` grows the buffer; when the buffer is the last
/// view of its block (every frozen frame has been dropped) it moves its bytes back to the
/// start of the block instead of allocating, so a steady stream of frames reuses one block.
///
/// Errors: indexes past the end (`split_to`, `split_off`, `advance`, `advance_mut`) throw
/// `std::out_of_range`; growing past `SIZE_MAX` throws `std::length_error`; allocation
/// failure throws `std::bad_alloc`. Move-only: copying a unique buffer would be a silent
/// deep copy; freeze it to share it, or `bytes::copy_from` it.
///
/// Thread safety: one thread at a time per object, including the `const` members (it is a
/// unique buffer, like std::vector). Pieces split from one buffer are independent objects:
/// they may be used and dropped on different threads at once, as may the `bytes` frozen from
/// them. See docs/design/0016-buffers.md.
#include <cstddef>      // std::byte, std::size_t
#include <cstdint>      // the integer put_ helpers, std::uintptr_t
#include <cstring>      // std::memcpy
#include <span>         // bytes in and out
#include <string_view>  // text in
#include <utility>      // std::exchange

#include "af/bytes/bytes.hpp"         // freeze's result
#include "af/bytes/detail/block.hpp"  // the shared heap block

namespace af {

/// A unique, growable byte buffer; see the file comment.
class bytes_mut {
public:
    using value_type = std::byte;
    using size_type = std::size_t;
    using iterator = std::byte*;
    using const_iterator = const std::byte*;

    constexpr bytes_mut() noexcept = default;
    /// An empty buffer with room for `capacity` bytes (no block for 0).
    static bytes_mut with_capacity(std::size_t capacity) {
        bytes_mut b;
        b.reserve(capacity);
        return b;
    }
    static bytes_mut copy_from(std::span<const std::byte> s) {
        bytes_mut b = with_capacity(s.size());
        b.put(s);
        return b;
    }
    static bytes_mut copy_from(std::string_view s) { return copy_from(std::as_bytes(std::span(s.data(), s.size()))); }

    bytes_mut(const bytes_mut&) = delete;
    bytes_mut& operator=(const bytes_mut&) = delete;
    bytes_mut(bytes_mut&& o) noexcept
        : ptr_(std::exchange(o.ptr_, nullptr)),
          len_(std::exchange(o.len_, 0)),
          cap_(std::exchange(o.cap_, 0)),
          block_(std::exchange(o.block_, nullptr)) {}
    bytes_mut& operator=(bytes_mut&& o) noexcept {
        if (this != &o) {
            reset();
            ptr_ = std::exchange(o.ptr_, nullptr);
            len_ = std::exchange(o.len_, 0);
            cap_ = std::exchange(o.cap_, 0);
            block_ = std::exchange(o.block_, nullptr);
        }
        return *this;
    }
    ~bytes_mut() { reset(); }

    std::size_t size() const noexcept { return len_; }
    bool empty() const noexcept { return len_ == 0; }
    /// Bytes this buffer can hold before `reserve` has to look for more room.
    std::size_t capacity() const noexcept { return cap_; }
    std::byte* data() noexcept { return ptr_; }
    const std::byte* data() const noexcept { return ptr_; }
    std::byte* begin() noexcept { return ptr_; }
    std::byte* end() noexcept { return ptr_ + len_; }
    const std::byte* begin() const noexcept { return ptr_; }
    const std::byte* end() const noexcept { return ptr_ + len_; }
    std::byte& operator[](std::size_t i) noexcept { return ptr_[i]; }
    const std::byte& operator[](std::size_t i) const noexcept { return ptr_[i]; }
    std::span<std::byte> as_span() noexcept { return {ptr_, len_}; }
    std::span<const std::byte> as_span() const noexcept { return {ptr_, len_}; }
    operator std::span<const std::byte>() const noexcept { return as_span(); }
    std::string_view as_string_view() const noexcept { return {reinterpret_cast<const char*>(ptr_), len_}; }

    /// Makes room for at least `additional` more bytes. Reuses the block when this is its only
    /// view and moving the bytes to its start frees enough room; otherwise allocates a block
    /// of at least twice the capacity and copies the bytes. Pointers into the buffer are
    /// invalidated unless the capacity was already enough.
    void reserve(std::size_t additional) {
        if (cap_ - len_ < additional) reserve_slow(additional);
    }
    /// Empties the buffer; keeps its capacity.
    void clear() noexcept { len_ = 0; }
    /// Keeps the first `n` bytes (all of them when `n >= size()`).
    void truncate(std::size_t n) noexcept {
        if (n < len_) len_ = n;
    }
    /// Grows (with `fill`) or shrinks to `n` bytes.
    void resize(std::size_t n, std::byte fill = std::byte{0}) {
        if (n > len_) {
            reserve(n - len_);
            std::memset(ptr_ + len_, static_cast<int>(fill), n - len_);
        }
        len_ = n;
    }

    // --- appending ---
    /// Appends `s`, which may be (part of) this buffer's own bytes.
    void put(std::span<const std::byte> s) {
        if (s.empty()) return;
        if (cap_ - len_ < s.size()) {
            // Growing may move this buffer's bytes: find `s` again if it is among them.
            auto at = reinterpret_cast<std::uintptr_t>(s.data());
            auto lo = reinterpret_cast<std::uintptr_t>(ptr_);
            bool own = at >= lo && at < lo + len_;
            reserve_slow(s.size());
            if (own) s = std::span<const std::byte>(ptr_ + (at - lo), s.size());
        }
        std::memcpy(ptr_ + len_, s.data(), s.size());
        len_ += s.size();
    }
    void put(std::string_view s) { put(std::as_bytes(std::span(s.data(), s.size()))); }
    void put(const bytes& b) { put(b.as_span()); }
    void put_u8(std::uint8_t v) { put_be(v, 1); }
    void put_u16(std::uint16_t v) { put_be(v, 2); }  ///< big-endian (network order)
    void put_u32(std::uint32_t v) { put_be(v, 4); }  ///< big-endian (network order)
    void put_u64(std::uint64_t v) { put_be(v, 8); }  ///< big-endian (network order)

    // --- cutting ---
    /// Takes the first `n` bytes off this buffer and returns them; this keeps the rest and the
    /// spare capacity. No copy: both point into the same block. Throws std::out_of_range when
    /// `n > size()` (and then changes nothing).
    [[nodiscard]] bytes_mut split_to(std::size_t n) {
        if (n > len_) detail::bytes_out_of_range("af::bytes_mut::split_to", n, len_);
        if (n == 0) return {};
        bytes_mut head = share(ptr_, n, n);
        ptr_ += n;
        len_ -= n;
        cap_ -= n;
        return head;
    }
    /// Takes the bytes from `n` on, and the spare capacity, off this buffer and returns them;
    /// this keeps `[0, n)` and no spare capacity. Throws std::out_of_range when `n > size()`.
    [[nodiscard]] bytes_mut split_off(std::size_t n) {
        if (n > len_) detail::bytes_out_of_range("af::bytes_mut::split_off", n, len_);
        if (n == 0) return std::exchange(*this, bytes_mut());
        if (n == cap_) return {};
        bytes_mut tail = share(ptr_ + n, len_ - n, cap_ - n);
        len_ = n;
        cap_ = n;
        return tail;
    }
    /// Takes all the bytes (`split_to(size())`); this keeps the spare capacity.
    [[nodiscard]] bytes_mut split() { return split_to(len_); }
    /// Puts `other` back after this buffer: without a copy when `other` was split off right
    /// after this one's capacity (`split_off`, or `split_to` in reverse); else appends a copy.
    void unsplit(bytes_mut&& other) {
        if (other.empty()) return;
        if (empty() && cap_ == 0) {
            *this = std::move(other);
            return;
        }
        if (block_ != nullptr && block_ == other.block_ && len_ == cap_ && ptr_ + cap_ == other.ptr_) {
            len_ += other.len_;
            cap_ += other.cap_;
            other.reset();  // its reference goes; this one still holds the block
            return;
        }
        put(other.as_span());
        other.reset();
    }
    /// This buffer's bytes as an immutable `af::bytes`, without a copy. Spare capacity is not
    /// part of the result, and nobody writes it again until the whole block is free.
    [[nodiscard]] bytes freeze() && noexcept {
        bytes b(len_ == 0 ? nullptr : ptr_, len_, len_ == 0 ? nullptr : block_);
        if (len_ == 0) reset();  // an empty result needs no block
        ptr_ = nullptr;
        len_ = cap_ = 0;
        block_ = nullptr;
        return b;
    }

    // --- af::buf: reading from the front ---
    std::size_t remaining() const noexcept { return len_; }
    std::span<const std::byte> chunk() const noexcept { return as_span(); }
    /// Drops the first `n` bytes (no copy; their room is not reused until `reserve` moves the
    /// rest to the front). Throws std::out_of_range when `n > size()`.
    void advance(std::size_t n) {
        if (n > len_) detail::bytes_out_of_range("af::bytes_mut::advance", n, len_);
        ptr_ += n;
        len_ -= n;
        cap_ -= n;
    }

    // --- af::buf_mut: writing at the back ---
    /// How many more bytes may be put, growing as needed.
    std::size_t remaining_mut() const noexcept { return static_cast<std::size_t>(-1) - len_; }
    /// The spare capacity, for a read to fill (then `advance_mut`). Reserves 64 bytes when
    /// there is none, so it is never empty.
    std::span<std::byte> chunk_mut() {
        if (cap_ == len_) reserve(64);
        return spare_capacity();
    }
    /// The spare capacity, possibly empty. Its bytes are uninitialised.
    std::span<std::byte> spare_capacity() noexcept { return {ptr_ + len_, cap_ - len_}; }
    /// Counts `n` bytes of the spare capacity, just written, as part of the buffer. Throws
    /// std::out_of_range when `n` is more than the spare capacity.
    void advance_mut(std::size_t n) {
        if (n > cap_ - len_) detail::bytes_out_of_range("af::bytes_mut::advance_mut", n, cap_ - len_);
        len_ += n;
    }

    friend bool operator==(const bytes_mut& a, const bytes_mut& b) noexcept {
        return a.len_ == b.len_ && (a.len_ == 0 || std::memcmp(a.ptr_, b.ptr_, a.len_) == 0);
    }

private:
    bytes_mut share(std::byte* p, std::size_t n, std::size_t cap) const noexcept {
        bytes_mut r;
        r.ptr_ = p;
        r.len_ = n;
        r.cap_ = cap;
        r.block_ = block_;
        block_->retain();
        return r;
    }
    void put_be(std::uint64_t v, int width) {
        reserve(static_cast<std::size_t>(width));
        for (int i = width - 1; i >= 0; --i) ptr_[len_++] = static_cast<std::byte>(v >> (8 * i));
    }
    void reserve_slow(std::size_t additional);  // src/bytes/bytes_mut.cpp
    void reset() noexcept {
        if (block_ != nullptr) block_->release();
        ptr_ = nullptr;
        len_ = cap_ = 0;
        block_ = nullptr;
    }

    std::byte* ptr_ = nullptr;
    std::size_t len_ = 0;
    std::size_t cap_ = 0;                   // this view's room: [ptr_, ptr_ + cap_) is its own
    detail::bytes_block* block_ = nullptr;  // null only while cap_ == 0
};

}  // namespace af

// SPDX-License-Identifier: MIT
#pragma once
// Coroutine-frame allocation for af's coroutine types.
//
// Every frame carries a one-word trailer: the function that frees it. Frames from the default
// path go to a per-thread recycling cache (16-byte size classes up to 1 KiB, bounded), so
// spawning short tasks does not call malloc each time. Frames of a coroutine whose parameters
// start with `std::allocator_arg_t, Alloc` are allocated by that allocator; the trailer then
// also holds a copy of the allocator. See docs/design/0005-frame-allocation.md.
#include <cstddef>  // std::size_t, std::max_align_t
#include <memory>   // std::allocator_traits
#include <new>      // placement new

namespace af::detail {

using frame_free_fn = void (*)(void* frame, std::size_t size) noexcept;

// Out of line in src/core/frame_allocator.cpp.
void* recycling_allocate(std::size_t size);
void recycling_deallocate(void* p, std::size_t size) noexcept;

inline constexpr std::size_t frame_align = alignof(std::max_align_t);

constexpr std::size_t round_up(std::size_t n, std::size_t a) noexcept { return (n + a - 1) / a * a; }

inline void* frame_trailer(void* frame, std::size_t size) noexcept {
    return static_cast<char*>(frame) + round_up(size, alignof(frame_free_fn));
}

inline void default_frame_free(void* frame, std::size_t size) noexcept {
    recycling_deallocate(frame, round_up(size, alignof(frame_free_fn)) + sizeof(frame_free_fn));
}

inline void* allocate_frame(std::size_t size) {
    std::size_t total = round_up(size, alignof(frame_free_fn)) + sizeof(frame_free_fn);
    void* frame = recycling_allocate(total);
    ::new (frame_trailer(frame, size)) frame_free_fn(&default_frame_free);
    return frame;
}

template <class Alloc>
struct allocator_frame {
    using byte_alloc = typename std::allocator_traits<Alloc>::template rebind_alloc<std::max_align_t>;
    static constexpr std::size_t alloc_offset = round_up(sizeof(frame_free_fn), alignof(byte_alloc));

    static std::size_t units(std::size_t size) noexcept {
        std::size_t bytes = round_up(size, alignof(frame_free_fn)) + alloc_offset + sizeof(byte_alloc);
        return round_up(bytes, sizeof(std::max_align_t)) / sizeof(std::max_align_t);
    }

    static void* allocate(std::size_t size, const Alloc& a) {
        byte_alloc alloc(a);
        void* frame = std::allocator_traits<byte_alloc>::allocate(alloc, units(size));
        char* trailer = static_cast<char*>(frame_trailer(frame, size));
        ::new (trailer) frame_free_fn(&deallocate);
        ::new (trailer + alloc_offset) byte_alloc(std::move(alloc));
        return frame;
    }

    static void deallocate(void* frame, std::size_t size) noexcept {
        char* trailer = static_cast<char*>(frame_trailer(frame, size));
        auto* stored = std::launder(reinterpret_cast<byte_alloc*>(trailer + alloc_offset));
        byte_alloc alloc(std::move(*stored));
        stored->~byte_alloc();
        std::allocator_traits<byte_alloc>::deallocate(alloc, static_cast<std::max_align_t*>(frame), units(size));
    }
};

inline void free_frame(void* frame, std::size_t size) noexcept {
    (*std::launder(static_cast<frame_free_fn*>(frame_trailer(frame, size))))(frame, size);
}

/// Mixed into promise types: default frames are recycled, `std::allocator_arg` frames use the
/// given allocator. GCC 12 at -O0 wrongly reports -Wmismatched-new-delete on coroutines that use
/// the allocator_arg overloads (not at -O1 and above); see the book's frame-allocation section.
struct frame_allocation {
    static void* operator new(std::size_t size) { return allocate_frame(size); }

    template <class Alloc, class... Args>
    static void* operator new(std::size_t size, std::allocator_arg_t, const Alloc& a, const Args&...) {
        return allocator_frame<Alloc>::allocate(size, a);
    }
    // Member coroutines: the object parameter comes first.
    template <class Self, class Alloc, class... Args>
    static void* operator new(std::size_t size, const Self&, std::allocator_arg_t, const Alloc& a, const Args&...) {
        return allocator_frame<Alloc>::allocate(size, a);
    }

    static void operator delete(void* frame, std::size_t size) noexcept { free_frame(frame, size); }
};

}  // namespace af::detail

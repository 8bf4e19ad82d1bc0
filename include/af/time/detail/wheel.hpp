// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// The hierarchical timing wheel behind af::time's driver: O(1) insert and cancel of intrusive
/// timer entries, firing in order of millisecond ticks. Internal; not thread-safe (the driver
/// guards it with its mutex). See src/time/wheel.cpp for the invariant.
///
///     af::time::detail::timer_wheel w;
///     af::time::detail::timer_entry e;
///     w.insert(e, 5);                        // due at tick 5
///     assert(w.pop_expired(4) == nullptr);   // not yet
///     assert(w.pop_expired(5) == &e);        // unlinked and handed back
#include <atomic>   // timer_entry::state, read without the driver's lock
#include <cstddef>  // std::size_t
#include <cstdint>  // ticks, slot locations

#include "af/core/waker.hpp"  // the waker a timer entry keeps

namespace af::time::detail {

/// One timer, intrusive: it lives inside the future that waits for it (a sleep), so
/// registering a timer allocates nothing. The wheel uses `prev`, `next`, `deadline` and `where`;
/// `waker` and `state` belong to the driver. 48 bytes on LP64.
struct timer_entry {
    /// Not registered / linked in the wheel / fired (the waker was taken and will be woken).
    enum : std::uint8_t { idle = 0, registered = 1, fired = 2 };

    timer_entry() = default;
    timer_entry(const timer_entry&) = delete;
    timer_entry& operator=(const timer_entry&) = delete;

    timer_entry* prev = nullptr;
    timer_entry* next = nullptr;
    std::uint64_t deadline = 0;  // in ticks since the driver's origin
    af::waker waker = af::waker::noop();
    std::uint16_t where = 0;  // index of the list the entry is linked in (see timer_wheel)
    std::atomic<std::uint8_t> state{idle};
};

/// Levels of 64 slots; level `l` slot `s` holds timers whose deadline agrees with the wheel's
/// current tick on every bit above `6 * (l + 1)` and has `s` in bits `6l .. 6l+5`. Eleven
/// levels cover all 64 bits of a tick count, so no deadline ever needs clamping or an overflow
/// list; the upper levels cost only their empty heads (8 bytes a slot).
class timer_wheel {
public:
    static constexpr unsigned level_bits = 6;
    static constexpr unsigned slots = 1u << level_bits;
    static constexpr unsigned levels = (64 + level_bits - 1) / level_bits;  // 11
    /// The list of entries that are due but not yet handed out by `pop_expired`.
    static constexpr std::uint16_t expired_list = levels * slots;

    timer_wheel() = default;
    timer_wheel(const timer_wheel&) = delete;
    timer_wheel& operator=(const timer_wheel&) = delete;

    /// Links `e` with deadline `deadline` (ticks). A deadline at or before `elapsed()` goes to
    /// the expired list, so the next `pop_expired` hands it out. O(1).
    void insert(timer_entry& e, std::uint64_t deadline) noexcept;

    /// Unlinks `e`, which must be linked in this wheel. O(1).
    void remove(timer_entry& e) noexcept;

    /// Advances the wheel to tick `now` (never backwards) and unlinks and returns one entry
    /// whose deadline is <= `now`, or null when there is none. Call it until it returns null.
    timer_entry* pop_expired(std::uint64_t now) noexcept;

    /// A lower bound of the earliest deadline: the first tick at which `pop_expired` may find
    /// work (exact for timers less than 64 ticks away; for farther ones the start of their slot,
    /// where they cascade to a finer level). `UINT64_MAX` when the wheel is empty.
    std::uint64_t next_expiration() const noexcept;

    /// The tick the wheel has been advanced to.
    std::uint64_t elapsed() const noexcept { return elapsed_; }
    /// Entries linked (including expired ones not yet popped).
    std::size_t size() const noexcept { return size_; }

private:
    void link(timer_entry& e, std::uint16_t where) noexcept;
    bool process_next_slot(std::uint64_t now) noexcept;

    timer_entry* heads_[levels * slots + 1] = {};
    std::uint64_t occupied_[levels] = {};  // bit s of level l: slot s is non-empty
    std::uint64_t elapsed_ = 0;
    std::size_t size_ = 0;
};

}  // namespace af::time::detail

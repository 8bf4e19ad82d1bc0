// SPDX-License-Identifier: MIT
// The timing wheel.
//
// Invariant: an entry with deadline `d > elapsed_` sits at level `l = level_of(elapsed_ ^ d)`,
// slot `(d >> 6l) & 63`; that is, `d` agrees with `elapsed_` on every bit above level `l`'s six
// bits and is strictly greater in them. So every occupied slot of a level lies after the
// current one, no slot ever wraps around, and the lowest level with any occupied slot holds the
// earliest work: the start of its first occupied slot (its bits, with `elapsed_`'s higher bits
// and zeros below) is earlier than anything in any higher level.
//
// Advancing to `now`: while that earliest slot starts at or before `now`, move `elapsed_` to its
// start and empty it; each entry is then either due (deadline == the slot start, level 0, or
// any deadline <= elapsed_) and goes to the expired list, or is re-inserted, which places it on
// a lower level (cascading). Moving `elapsed_` to the earliest slot start keeps the invariant
// for every other entry: a tick between `elapsed_` and an entry's slot start shares the bits
// above that entry's level with both. Finally `elapsed_ = now`, which keeps it for the same
// reason. Each entry cascades at most once per level, so insert, cancel and firing are O(1)
// amortized per timer, and finding the next slot is one count-trailing-zeros per level.
#include "af/time/detail/wheel.hpp"

#include <bit>      // std::countl_zero, std::countr_zero
#include <cassert>  // internal invariants

namespace af::time::detail {

namespace {
// The level whose six bits hold the highest bit in which a deadline differs from the current
// tick (`x` = their xor). `| 63` puts a deadline within the current 64-tick block on level 0.
unsigned level_of(std::uint64_t x) noexcept {
    return static_cast<unsigned>(63 - std::countl_zero(x | (timer_wheel::slots - 1))) / timer_wheel::level_bits;
}
}  // namespace

void timer_wheel::link(timer_entry& e, std::uint16_t where) noexcept {
    e.where = where;
    e.prev = nullptr;
    e.next = heads_[where];
    if (e.next) e.next->prev = &e;
    heads_[where] = &e;
    if (where != expired_list) occupied_[where / slots] |= std::uint64_t{1} << (where % slots);
}

void timer_wheel::insert(timer_entry& e, std::uint64_t deadline) noexcept {
    e.deadline = deadline;
    ++size_;
    if (deadline <= elapsed_) {
        link(e, expired_list);
        return;
    }
    const unsigned level = level_of(elapsed_ ^ deadline);
    const unsigned slot = static_cast<unsigned>(deadline >> (level * level_bits)) & (slots - 1);
    link(e, static_cast<std::uint16_t>(level * slots + slot));
}

void timer_wheel::remove(timer_entry& e) noexcept {
    assert(size_ > 0);
    if (e.prev) {
        e.prev->next = e.next;
    } else {
        assert(heads_[e.where] == &e);
        heads_[e.where] = e.next;
        if (!e.next && e.where != expired_list)
            occupied_[e.where / slots] &= ~(std::uint64_t{1} << (e.where % slots));
    }
    if (e.next) e.next->prev = e.prev;
    e.prev = e.next = nullptr;
    --size_;
}

std::uint64_t timer_wheel::next_expiration() const noexcept {
    if (heads_[expired_list]) return elapsed_;
    for (unsigned level = 0; level < levels; ++level) {
        if (occupied_[level] == 0) continue;
        const unsigned slot = static_cast<unsigned>(std::countr_zero(occupied_[level]));
        const unsigned shift = level * level_bits;
        // elapsed_'s bits above this level, the slot's bits, zeros below. For level 10 the
        // shift reaches 66 bits, where "bits above" is nothing.
        const unsigned above = shift + level_bits;
        const std::uint64_t high = above >= 64 ? 0 : (elapsed_ >> above) << above;
        return high | (std::uint64_t{slot} << shift);
    }
    return UINT64_MAX;
}

bool timer_wheel::process_next_slot(std::uint64_t now) noexcept {
    for (unsigned level = 0; level < levels; ++level) {
        if (occupied_[level] == 0) continue;
        const unsigned slot = static_cast<unsigned>(std::countr_zero(occupied_[level]));
        const unsigned shift = level * level_bits;
        const unsigned above = shift + level_bits;
        const std::uint64_t high = above >= 64 ? 0 : (elapsed_ >> above) << above;
        const std::uint64_t start = high | (std::uint64_t{slot} << shift);
        assert(start > elapsed_);
        if (start > now) return false;  // the earliest work is later than now
        elapsed_ = start;
        const auto where = static_cast<std::uint16_t>(level * slots + slot);
        timer_entry* e = heads_[where];
        heads_[where] = nullptr;
        occupied_[level] &= ~(std::uint64_t{1} << slot);
        while (e) {
            timer_entry* next = e->next;
            --size_;  // insert counts it again
            insert(*e, e->deadline);
            e = next;
        }
        return true;
    }
    return false;
}

timer_entry* timer_wheel::pop_expired(std::uint64_t now) noexcept {
    while (!heads_[expired_list]) {
        if (!process_next_slot(now)) {
            if (now > elapsed_) elapsed_ = now;
            return nullptr;
        }
    }
    timer_entry* e = heads_[expired_list];
    remove(*e);
    return e;
}

}  // namespace af::time::detail

// SPDX-License-Identifier: MIT
#pragma once
// A worker's run queue: a fixed ring of 256 task pointers. The owning worker pushes at the tail
// and pops at the head; idle workers steal half of it from the head.
//
// `tail_` is written by the owner only. `head_` is advanced by a compare-and-swap, by the owner
// (pop) and by stealers alike, so a task is handed out exactly once. A stealer reads the slots
// it wants first and then claims them with one CAS on head: if the CAS succeeds, no one popped
// those slots meanwhile, and the owner cannot have overwritten them either, because it writes a
// slot again only after head has moved past it (which would have failed the CAS). Slots are
// atomics read and written relaxed; the tail's release/acquire publishes their contents.
//
// Compared with a Chase-Lev deque (the owner pops LIFO at the tail), the owner pops FIFO here:
// the task that waited longest runs first, which keeps latency fair; the LIFO slot in front of
// the queue gives message-passing tasks the cache locality Chase-Lev would give.
#include <cstddef>
#include <cstdint>

#include "af/detail/sync.hpp"
#include "af/executor/detail/spawned_task.hpp"

namespace af::rt::detail {

namespace sync = af::detail::sync;

class local_queue {
public:
    static constexpr std::uint32_t capacity = 256;

    /// Owner only. False when full.
    bool push_back(af::detail::task_header* t) noexcept {
        std::uint32_t tl = tail_.load(std::memory_order_relaxed);  // Relaxed: only we write it
        // Acquire: a stealer's reads of the slots it claimed happen before we reuse them.
        std::uint32_t h = head_.load(std::memory_order_acquire);
        if (tl - h >= capacity) return false;
        slots_[tl % capacity].store(t, std::memory_order_relaxed);  // Relaxed: published by tail
        tail_.store(tl + 1, std::memory_order_release);  // Release: publishes the slot
        return true;
    }

    /// Owner only.
    af::detail::task_header* pop() noexcept {
        std::uint32_t h = head_.load(std::memory_order_acquire);  // Acquire: see the CAS comment
        for (;;) {
            std::uint32_t tl = tail_.load(std::memory_order_relaxed);  // Relaxed: our own writes
            if (h == tl) return nullptr;
            af::detail::task_header* t = slots_[h % capacity].load(std::memory_order_relaxed);
            // AcqRel: claims the slot against stealers, whose claims we must see.
            if (head_.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel, std::memory_order_acquire)) return t;
        }
    }

    /// Owner only, when full: takes the older half into `out` (capacity / 2 entries) to move it
    /// to the injection queue. Returns how many were taken (0 if stealers emptied it meanwhile).
    std::uint32_t pop_half(af::detail::task_header** out) noexcept {
        std::uint32_t h = head_.load(std::memory_order_acquire);
        for (;;) {
            std::uint32_t tl = tail_.load(std::memory_order_relaxed);
            std::uint32_t n = (tl - h) / 2;
            if (n == 0) return 0;
            for (std::uint32_t i = 0; i < n; ++i) out[i] = slots_[(h + i) % capacity].load(std::memory_order_relaxed);
            // AcqRel: as in pop.
            if (head_.compare_exchange_weak(h, h + n, std::memory_order_acq_rel, std::memory_order_acquire)) return n;
        }
    }

    /// Any thread: takes half of the queue (rounded up, at most capacity / 2) into `out`.
    std::uint32_t steal_half(af::detail::task_header** out) noexcept {
        std::uint32_t h = head_.load(std::memory_order_acquire);
        for (;;) {
            // Acquire: the slots up to tail were published by the owner's release.
            std::uint32_t tl = tail_.load(std::memory_order_acquire);
            std::uint32_t len = tl - h;
            if (len == 0 || len > capacity) {
                // Empty, or a stale head overtaken by the owner: reload and retry once.
                if (len == 0) return 0;
                h = head_.load(std::memory_order_acquire);
                continue;
            }
            std::uint32_t n = len - len / 2;
            if (n > capacity / 2) n = capacity / 2;
            for (std::uint32_t i = 0; i < n; ++i) out[i] = slots_[(h + i) % capacity].load(std::memory_order_relaxed);
            // AcqRel: release orders our slot reads before the owner's reuse (its acquire of
            // head in push_back); acquire sees other claims.
            if (head_.compare_exchange_weak(h, h + n, std::memory_order_acq_rel, std::memory_order_acquire)) return n;
        }
    }

    /// Any thread; approximate while others push and pop.
    std::uint32_t size() const noexcept {
        // Relaxed: a hint for metrics and the idle check.
        std::uint32_t tl = tail_.load(std::memory_order_relaxed);
        std::uint32_t h = head_.load(std::memory_order_relaxed);
        std::uint32_t n = tl - h;
        return n > capacity ? 0 : n;
    }

private:
    alignas(64) sync::atomic<std::uint32_t> head_{0};
    alignas(64) sync::atomic<std::uint32_t> tail_{0};
    sync::atomic<af::detail::task_header*> slots_[capacity]{};
};

}  // namespace af::rt::detail

// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// A lock-free multi-producer single-consumer queue of values: a linked list of fixed-size blocks
/// of slots. Internal to `af::channel::mpsc` (which adds capacity, closing and wake-ups on top).
/// Design note: docs/design/0009-lock-free-mpsc.md.
///
/// Protocol:
/// - A producer claims a global slot index with one `fetch_add` on `tail_index_`, finds the
///   block holding that index (walking from `tail_block_`, linking a new block when the list
///   ends), constructs the value in its slot and sets the slot's bit in the block's `ready` word
///   (release). Indices are claimed in one total order, so values from one producer keep their
///   order, and the consumer reads slots strictly by index. `push` returns the index, so that
///   the channel can wake its receiver only when it waits for that very slot (ADR 0009).
/// - A slot whose value failed to construct (the move threw) is marked ready and "skipped", so
///   the consumer never stalls on it.
/// - `tail_block_` moves past a block only once every slot of it is ready: a producer that has
///   claimed an index but not written it yet can therefore never find the tail already past its
///   block. The producer that moves the tail records `observed_tail`, the claim counter right
///   after the move, then sets `released`. Every producer that could still be walking through
///   that block loaded the old tail, hence claimed its index before `observed_tail` (the claim,
///   the tail load, the tail move and that counter load are all seq_cst).
/// - The consumer frees (or recycles) a block it has read to the end only when it is released
///   and the consumer has read every index below `observed_tail`: each producer that may have
///   seen the block has then written its value, which it does after its walk. One freed block is
///   kept as a spare for the next producer that needs one, so a steady stream does not allocate.
///
/// - Publishing and reading a value are seq_cst (the ready bit's RMW, the block links and the
///   consumer's loads of both): the channel pairs them with its "receiver parked at index i"
///   word in a store-then-load handshake (Dekker), which needs every operation in the one
///   total order. On x86 this costs nothing: the RMWs are locked either way and the loads are
///   plain moves.
///
/// Thread safety: `push` from any number of threads at once; `pop` and `drain` from one thread
/// at a time; the destructor once every producer is done.
#include <cstddef>   // std::size_t
#include <cstdint>   // ready words
#include <new>       // placement new, std::launder
#include <optional>  // pop's result
#include <utility>   // std::forward, std::move

#include "af/detail/sync.hpp"  // claims, ready bits, the tail (model-checked: tests/model/mpsc_queue_model.cpp)

namespace af::detail {

/// `BlockCap`: slots per block; the model tests use 2 or 4 to cross block edges in few steps.
template <class T, std::size_t BlockCap = 32>
class mpsc_block_queue {
public:
    static constexpr std::size_t block_cap = BlockCap;

    mpsc_block_queue() : head_(new block(0)) {
        free_head_ = head_;
        tail_block_.store(head_, std::memory_order_relaxed);  // relaxed: published with the queue
    }
    mpsc_block_queue(const mpsc_block_queue&) = delete;
    mpsc_block_queue& operator=(const mpsc_block_queue&) = delete;

    /// Destroys the values never read. Every producer must be done.
    ~mpsc_block_queue() {
        drain();
        block* b = free_head_;
        while (b) {
            block* n = b->next.load(std::memory_order_relaxed);  // relaxed: producers are done
            delete b;
            b = n;
        }
        delete spare_.load(std::memory_order_relaxed);  // relaxed: producers are done
    }

    /// Appends a value built from `args` and returns its index. If building it throws, the slot
    /// is skipped and the exception propagates. Allocating a block that fails terminates (a
    /// claimed slot cannot be given back).
    template <class... Args>
    std::size_t push(Args&&... args) {
        std::size_t idx = tail_index_.fetch_add(1);  // seq_cst: see the protocol above
        block* b = find_block(idx);
        std::size_t off = idx & (block_cap - 1);
        std::uint64_t bit = std::uint64_t(1) << off;
        try {
            ::new (static_cast<void*>(b->slots[off])) T(std::forward<Args>(args)...);
        } catch (...) {
            // Release: pairs with pop's acquire, like a normal write.
            b->ready.fetch_or(bit | (bit << skip_shift), std::memory_order_release);
            throw;
        }
        // Seq_cst: release for the value (the consumer that sees the bit sees it), and in the
        // total order for the channel's parked-receiver handshake (see the protocol above).
        b->ready.fetch_or(bit);
        return idx;
    }

    /// Consumer: the index `pop` reads next (the slot a waiting consumer waits for).
    std::size_t next_index() const noexcept { return index_; }

    /// Consumer: the next value in index order, if it has been written. `consumed` grows by the
    /// number of slots used up (skipped ones included), each of which frees a unit of capacity.
    std::optional<T> pop(std::size_t& consumed) {
        for (;;) {
            block* b = head_;
            std::size_t off = index_ - b->start;
            if (off == block_cap) {
                // Seq_cst: acquire (the next block's fields as its linker left them), and in the
                // total order for the parked-receiver handshake.
                block* n = b->next.load();
                if (!n) return std::nullopt;
                head_ = n;
                reclaim();
                continue;
            }
            // Seq_cst: acquire (pairs with push's release, so the slot's value is visible), and
            // in the total order for the parked-receiver handshake.
            std::uint64_t bits = b->ready.load();
            std::uint64_t bit = std::uint64_t(1) << off;
            if (!(bits & bit)) return std::nullopt;
            if (bits & (bit << skip_shift)) {
                ++index_;
                ++consumed;
                continue;
            }
            T* p = b->value(off);
            std::optional<T> v(std::move(*p));  // if the move throws, the value stays queued
            p->~T();
            ++index_;
            ++consumed;
            return v;
        }
    }

    /// Consumer: destroys every value written and not read yet; returns the slots used up.
    std::size_t drain() {
        std::size_t consumed = 0;
        while (pop(consumed)) {
        }
        return consumed;
    }

    /// For tests, with no push running: the blocks in the list (read, unread and being filled;
    /// the spare not counted), and the index of the tail block's first slot.
    std::size_t blocks() const noexcept {
        std::size_t n = 0;
        // Relaxed: no producer runs, so every link was published before this call.
        for (block* b = free_head_; b; b = b->next.load(std::memory_order_relaxed)) ++n;
        return n;
    }
    std::size_t tail_start() const noexcept { return tail_block_.load(std::memory_order_relaxed)->start; }

private:
    static constexpr unsigned skip_shift = 32;
    static constexpr std::uint64_t all_ready = (std::uint64_t(1) << block_cap) - 1;
    static_assert((block_cap & (block_cap - 1)) == 0 && block_cap <= skip_shift);

    struct block {
        explicit block(std::size_t s) noexcept : start(s) {}
        std::size_t start;                        // index of slots[0]
        sync::atomic<block*> next{nullptr};
        sync::atomic<std::uint64_t> ready{0};      // bit i: slot i written; bit 32+i: skipped
        sync::atomic<bool> released{false};        // the tail has moved past; observed_tail set
        std::size_t observed_tail = 0;            // written before `released`
        alignas(T) unsigned char slots[block_cap][sizeof(T)];

        T* value(std::size_t off) noexcept { return std::launder(reinterpret_cast<T*>(slots[off])); }
    };

    // Never throws: a claimed index must end up in a block (see push).
    block* find_block(std::size_t idx) noexcept {
        const std::size_t start = idx & ~(block_cap - 1);
        block* b = tail_block_.load();  // seq_cst: see the protocol above
        bool may_move_tail = true;
        while (b->start != start) {
            // Seq_cst: acquire (the linked block's fields), and a link made by another producer
            // then precedes our ready bit in the total order (parked-receiver handshake).
            block* n = b->next.load();
            if (!n) n = grow(b);
            // Acquire: the bits of a finished block; its slots' producers are done walking.
            if (may_move_tail && finished(b->ready.load(std::memory_order_acquire))) {
                block* expected = b;
                if (tail_block_.compare_exchange_strong(expected, n)) {  // seq_cst: protocol
                    b->observed_tail = tail_index_.load();                // seq_cst: protocol
                    // Release: publishes observed_tail to the consumer's reclaim().
                    b->released.store(true, std::memory_order_release);
                } else {
                    may_move_tail = false;  // another producer is moving it
                }
            } else {
                may_move_tail = false;  // a later block cannot be finished before this one
            }
            b = n;
        }
        return b;
    }

    // Every slot of a block is written or skipped. The skip bits are masked off: comparing the
    // whole word with all_ready kept the tail on a block holding a skipped slot for ever, so
    // every later push walked from it and no block after it was freed (issue 11, defect 1).
    static bool finished(std::uint64_t ready) noexcept {
#ifdef AF_MODEL_PLANT_DEFECT_1
        return ready == all_ready;  // the old code, for the model test
#else
        return (ready & all_ready) == all_ready;
#endif
    }

    block* grow(block* b) noexcept {
        // Acquire: the consumer reset the spare before handing it over.
        block* nb = spare_.exchange(nullptr, std::memory_order_acquire);
        if (nb) nb->start = b->start + block_cap;
        else nb = new block(b->start + block_cap);  // bad_alloc terminates (noexcept)
        block* expected = nullptr;
        // Seq_cst: publish nb's fields, on failure see the winner's; and in the total order for
        // the parked-receiver handshake (a consumer that parked at this block's first slot).
        if (b->next.compare_exchange_strong(expected, nb)) return nb;
        give_back(nb);
        return expected;
    }

    void give_back(block* b) noexcept {
        block* expected = nullptr;
        // Release: the reset fields travel with the pointer.
        if (!spare_.compare_exchange_strong(expected, b, std::memory_order_release, std::memory_order_relaxed))
            delete b;
    }

    // Frees the blocks read to the end that no producer can still be walking through.
    void reclaim() noexcept {
        while (free_head_ != head_) {
            block* b = free_head_;
            // Acquire: pairs with the release in find_block, so observed_tail is visible.
            if (!b->released.load(std::memory_order_acquire)) return;
            if (b->observed_tail > index_) return;
            // Relaxed: the consumer already walked this link with acquire.
            free_head_ = b->next.load(std::memory_order_relaxed);
            // Relaxed: no producer refers to b any more; give_back publishes the reset.
            b->next.store(nullptr, std::memory_order_relaxed);
            b->ready.store(0, std::memory_order_relaxed);
            b->released.store(false, std::memory_order_relaxed);
            give_back(b);
        }
    }

    // Producers (one line).
    alignas(64) sync::atomic<std::size_t> tail_index_{0};
    sync::atomic<block*> tail_block_{nullptr};
    sync::atomic<block*> spare_{nullptr};
    // Consumer only (another line).
    alignas(64) block* head_;
    block* free_head_;
    std::size_t index_ = 0;
};

}  // namespace af::detail

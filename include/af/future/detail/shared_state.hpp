// SPDX-License-Identifier: MIT
#pragma once
// The block shared by every copy of an af::shared_future.
//
// Protocol (all bookkeeping under `m`; the inner future is never polled or destroyed under it,
// because its poll or destructor may call our own wake(), which takes `m`):
// - phase idle: nobody is polling. A copy that polls registers its waker in its slot, moves
//   the phase to polling, unlocks, and polls the inner future with the inner waker (this block,
//   which is an af::wakeable).
// - phase polling: a copy that polls meanwhile only registers its waker and returns pending.
//   The poller, when the inner future is pending, goes back to idle; the waiters are woken by
//   the inner waker, which wakes every registered slot (and empties it).
// - phase done: the output (or exception) is stored and never changes; the inner future is
//   destroyed; each copy reads its own copy of the output.
// A slot that is in use but empty means "this copy was woken and owes a poll". A copy dropped
// in that state hands the duty over by waking every other registered copy; otherwise the wake
// that the inner future sent could be lost with it and the others would wait for ever.
//
// The inner future holds the inner waker, which holds a reference to this block, which holds
// the inner future: a cycle. The last copy to go breaks it by destroying the inner future.
#include <cstddef>    // std::size_t
#include <exception>  // std::exception_ptr
#include <mutex>      // guards phase, slots and the output
#include <type_traits>  // std::conditional_t
#include <utility>    // std::exchange, std::move
#include <optional>   // inner future, output, slot wakers
#include <vector>     // slots, wakers collected for waking outside the lock

#include "af/core/future.hpp"
#include "af/core/wakeable.hpp"

namespace af::detail {

template <class F>
class shared_state final : public wakeable {
    using T = output_of<F>;

public:
    static constexpr std::size_t no_slot = static_cast<std::size_t>(-1);
    enum class phase { idle, polling, done };

    explicit shared_state(F f) : future_(std::move(f)) {}

    // The inner waker: wakes every copy that is waiting.
    void wake() noexcept override {
        std::vector<waker> ws;
        {
            std::lock_guard lk(m_);
            take_wakers(ws, no_slot);
        }
        for (waker& w : ws) std::move(w).wake();
    }

    void add_copy() {
        std::lock_guard lk(m_);
        ++copies_;
    }

    // Called by the destructor of a copy that owned `slot` (or no_slot).
    void drop_copy(std::size_t slot) {
        std::vector<waker> ws;
        bool destroy_inner = false;
        {
            std::lock_guard lk(m_);
            bool owed_a_poll = slot != no_slot && !slots_[slot].w;
            free_slot(slot);
            --copies_;
            if (copies_ == 0 && phase_ != phase::done) {
                phase_ = phase::done;  // nobody is left to read an output
                destroy_inner = true;
            } else if (owed_a_poll && phase_ == phase::idle) {
                take_wakers(ws, no_slot);
            }
        }
        if (destroy_inner) future_.reset();
        for (waker& w : ws) std::move(w).wake();
    }

    // One poll by the copy owning `slot` (allocated here on first use). Returns true when the
    // output is available (read it with output()); may throw the inner future's exception.
    bool poll(std::size_t& slot, context& cx) {
        {
            std::lock_guard lk(m_);
            if (phase_ == phase::done) {
                free_slot(std::exchange(slot, no_slot));
                return true;
            }
            if (slot == no_slot) slot = alloc_slot();
            std::optional<waker>& w = slots_[slot].w;
            if (!w || !w->will_wake(cx.waker())) w.emplace(cx.waker());
            if (phase_ == phase::polling) return false;
            phase_ = phase::polling;
        }
        waker inner = waker::from(*this);
        context inner_cx(inner);
        std::exception_ptr error;
        bool ready = false;
        try {
            auto p = future_->poll(inner_cx);
            if (p.is_ready()) {
                if constexpr (!std::is_void_v<T>) value_.emplace(std::move(p).value());
                ready = true;
            }
        } catch (...) {
            error = std::current_exception();
        }
        std::vector<waker> ws;
        {
            std::lock_guard lk(m_);
            if (!ready && !error) {
                phase_ = phase::idle;
                return false;
            }
            error_ = error;
            phase_ = phase::done;
            free_slot(std::exchange(slot, no_slot));
            take_wakers(ws, no_slot);
        }
        future_.reset();  // phase done: no other copy touches the inner future any more
        for (waker& w : ws) std::move(w).wake();
        return true;
    }

    // Valid once poll() returned true; immutable from then on, so read without the lock (the
    // lock taken in poll() ordered the write before us).
    T output() const {
        if (error_) std::rethrow_exception(error_);
        if constexpr (!std::is_void_v<T>) return *value_;
    }

private:
    struct slot_entry {
        std::optional<waker> w;
        bool used = false;
    };

    std::size_t alloc_slot() {
        if (!free_.empty()) {
            std::size_t i = free_.back();
            free_.pop_back();
            slots_[i].used = true;
            return i;
        }
        slots_.push_back({std::nullopt, true});
        return slots_.size() - 1;
    }
    void free_slot(std::size_t i) {
        if (i == no_slot) return;
        slots_[i].w.reset();
        slots_[i].used = false;
        free_.push_back(i);
    }
    void take_wakers(std::vector<waker>& out, std::size_t except) {
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            if (i != except && slots_[i].w) {
                out.push_back(std::move(*slots_[i].w));
                slots_[i].w.reset();
            }
        }
    }

    std::mutex m_;
    phase phase_ = phase::idle;
    std::size_t copies_ = 1;
    std::vector<slot_entry> slots_;
    std::vector<std::size_t> free_;
    std::optional<F> future_;
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value_;
    std::exception_ptr error_;
};

}  // namespace af::detail

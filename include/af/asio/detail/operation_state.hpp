// SPDX-License-Identifier: MIT
#pragma once
// The shared state of one Asio operation awaited through af::asio::use_future: what the af
// future (polled on any af thread) and Asio's completion handler (run on the I/O object's
// executor) both hold, so that either may go first. The protocol is at the top of
// src/asio/operation_state.cpp; the typed part (initiation, arguments, result) is
// af::asio::detail::typed_operation_state in use_future.hpp.
#include <atomic>     // flags and reference count
#include <exception>  // std::exception_ptr: an initiation that threw
#include <memory>     // std::shared_ptr<const void>: what the caller asked to keep alive
#include <mutex>      // start and cancel are serialised

#include <boost/asio/cancellation_signal.hpp>  // the signal the dropped future emits

#include "af/core/atomic_waker.hpp"

namespace af::asio::detail {

class operation_state {
public:
    operation_state(const operation_state&) = delete;
    operation_state& operator=(const operation_state&) = delete;

    void retain() noexcept {
        // Relaxed: a new reference is made from an existing one.
        refs_.fetch_add(1, std::memory_order_relaxed);
    }
    void release() noexcept {
        // AcqRel: the last release sees every other holder's writes before deleting.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

    // --- the af future's side ---
    void register_waker(const waker& w) { waker_.register_waker(w); }
    /// The handler ran (or was destroyed uncalled, or the initiation threw).
    bool is_complete() const noexcept {
        // Acquire: pairs with complete()'s release, so the stored result is visible.
        return (flags_.load(std::memory_order_acquire) & complete_bit) != 0;
    }
    bool was_abandoned() const noexcept {
        // Relaxed: read after is_complete() acquired the flags.
        return (flags_.load(std::memory_order_relaxed) & abandoned_bit) != 0;
    }
    std::exception_ptr error() const noexcept { return error_; }
    /// The future is dropped before completion: true when a cancellation must be emitted on the
    /// operation's executor (the operation started and has not completed).
    bool request_cancel() noexcept;
    void keep(std::shared_ptr<const void> p) noexcept { kept_ = std::move(p); }

    // --- the executor's side (dispatched there by the future) ---
    /// Runs the initiation, unless the future was dropped first.
    void start() noexcept;
    /// The posted start was destroyed without running (its execution context is gone).
    void start_abandoned() noexcept;
    /// Emits a terminal cancellation, unless the operation already completed.
    void emit_cancel() noexcept;

    // --- the completion handler's side ---
    boost::asio::cancellation_slot slot() noexcept { return signal_.slot(); }
    /// The handler stored the result: publish it and wake the future.
    void complete() noexcept;
    /// The handler was destroyed without being called (its io_context was destroyed or the
    /// operation was dropped by Asio): the future reports cancellation.
    void abandon() noexcept;
    /// The handler could not store its arguments (a copy threw): the future rethrows `e`.
    void fail(std::exception_ptr e) noexcept;

protected:
    operation_state() noexcept = default;
    virtual ~operation_state() = default;
    /// Calls the initiation with a handler holding a new reference; may throw.
    virtual void do_start() = 0;
    /// Destroys the initiation and its arguments without calling it.
    virtual void drop_start() noexcept = 0;

private:
    static constexpr unsigned started_bit = 1u << 0;    // the initiation ran
    static constexpr unsigned complete_bit = 1u << 1;   // result (or failure) is final
    static constexpr unsigned abandoned_bit = 1u << 2;  // final without a result: report cancelled
    static constexpr unsigned cancelled_bit = 1u << 3;  // the future was dropped

    void finish(unsigned bits) noexcept;

    std::atomic<unsigned> refs_{1};
    std::atomic<unsigned> flags_{0};
    std::mutex m_;  // held by start(), request_cancel() and emit_cancel()
    boost::asio::cancellation_signal signal_;
    af::atomic_waker waker_;
    std::exception_ptr error_;          // written before complete_bit is published
    std::shared_ptr<const void> kept_;  // released once the handler ran
    bool abandoned_in_start_ = false;   // the starting thread's only
};

}  // namespace af::asio::detail
